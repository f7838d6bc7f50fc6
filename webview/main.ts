/*!
 * Candlewire chart webview. Copyright The Candlewire authors. Licensed under Apache-2.0.
 *
 * Includes TradingView Lightweight Charts™ (https://www.tradingview.com/lightweight-charts/),
 * licensed under the Apache License 2.0, whose NOTICE reads:
 *
 *   TradingView Lightweight Charts
 *   Copyright (с) 2023 TradingView, Inc. https://www.tradingview.com/
 *
 * and fancy-canvas (https://github.com/tradingview/fancy-canvas), Copyright TradingView, Inc.,
 * licensed under the MIT License.
 */
import './zod-config';
import './chart.css';
import { App } from './app';
import { HostLink, type VsCodeApi } from './host';

declare function acquireVsCodeApi(): VsCodeApi;

const link = new HostLink(acquireVsCodeApi());
// The webview's console is out of the user's sight: report uncaught errors to the extension's log.
window.addEventListener('error', (e) => link.log('error', `chart webview: ${e.message} (${e.filename}:${e.lineno})`));
window.addEventListener('unhandledrejection', (e) => link.log('error', `chart webview: unhandled rejection: ${String(e.reason)}`));

new App(document.getElementById('root') ?? document.body, link);
