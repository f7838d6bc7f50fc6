/**
 * The one status bar item: connection health pushed by the sidecar, rendered by status-model.
 * Data notifications only refresh the live figures, at most every 2 s; state changes render at once.
 */
import * as vscode from 'vscode';
import { summarize, tooltipMarkdown, TOOLTIP_COMMANDS, type Severity, type SidecarPhase } from './status-model';
import type { ConnectionBoard } from './status-model';
import { Throttle } from './throttle';

export interface StatusBarSource {
  phase(): SidecarPhase;
  board: ConnectionBoard;
  reason(): string | undefined;
  version(): string | undefined;
  pid(): number | undefined;
}

/** What tests (and the extension's API) can read back. */
export interface StatusBarSnapshot {
  text: string;
  severity: Severity;
  /** Theme colour id of the background, if any. */
  background?: string;
  tooltip: string;
  visible: boolean;
}

const BACKGROUND: Record<Severity, string | undefined> = {
  ok: undefined,
  warning: 'statusBarItem.warningBackground',
  error: 'statusBarItem.errorBackground',
};

const t = (message: string, ...args: Array<string | number>) => vscode.l10n.t(message, ...args);

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly throttle: Throttle;
  private ageTimer: NodeJS.Timeout | undefined;
  private visible = true;
  private last: StatusBarSnapshot = { text: '', severity: 'ok', tooltip: '', visible: true };

  constructor(private readonly source: StatusBarSource) {
    this.item = vscode.window.createStatusBarItem('candlewire.status', vscode.StatusBarAlignment.Left, 0);
    this.item.name = t('Candlewire Connections');
    this.item.command = 'candlewire.openSubscriptions';
    this.throttle = new Throttle(() => this.render(), 2000);
  }

  /** Renders at once (a state change). */
  update(): void {
    this.throttle.flush();
  }

  /** Renders soon (data arrived: only ages and rates changed). */
  touch(): void {
    this.throttle.schedule();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.render();
  }

  snapshot(): StatusBarSnapshot {
    return { ...this.last };
  }

  dispose(): void {
    this.throttle.dispose();
    if (this.ageTimer) clearTimeout(this.ageTimer);
    this.item.dispose();
  }

  private render(): void {
    const phase = this.source.phase();
    const board = this.source.board;
    const s = summarize({ phase, board, t });
    const md = tooltipMarkdown({ phase, board, now: Date.now(), reason: this.source.reason(), version: this.source.version(), pid: this.source.pid(), t });
    const tooltip = new vscode.MarkdownString(md, true);
    tooltip.isTrusted = { enabledCommands: [...TOOLTIP_COMMANDS] };
    const background = BACKGROUND[s.severity];
    this.item.text = `$(${s.icon}) ${s.text}`;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
    this.item.accessibilityInformation = { label: s.accessibleText, role: 'button' };
    if (this.visible) this.item.show();
    else this.item.hide();
    this.last = { text: this.item.text, severity: s.severity, background, tooltip: md, visible: this.visible };
    // Ages in the tooltip grow without any message arriving: re-render locally now and then.
    if (this.ageTimer) clearTimeout(this.ageTimer);
    this.ageTimer = phase === 'running' && board.list().length ? setTimeout(() => this.render(), 5000) : undefined;
  }
}
