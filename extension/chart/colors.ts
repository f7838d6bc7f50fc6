/**
 * Candle colours from the settings `candlewire.chart.upColor`, `candlewire.chart.downColor` and
 * `candlewire.chart.redUp`. Pure: the panel reads the settings and passes them in.
 */
import { DEFAULT_DOWN_COLOR, DEFAULT_UP_COLOR, type ColorConfig } from '../../webview/protocol';

export interface ColorSettings {
  upColor?: string;
  downColor?: string;
  /** Red for rising bars, green for falling (the convention in mainland China). */
  redUp?: boolean;
}

/** Explicit colours win; otherwise green-up, or red-up when `redUp` is set. */
export function resolveColors(s: ColorSettings): ColorConfig {
  const up = s.redUp ? DEFAULT_DOWN_COLOR : DEFAULT_UP_COLOR;
  const down = s.redUp ? DEFAULT_UP_COLOR : DEFAULT_DOWN_COLOR;
  // The webview checks that each is a CSS colour (and says so in the log when it is not).
  return {
    upColor: (s.upColor?.trim() || up).slice(0, 64),
    downColor: (s.downColor?.trim() || down).slice(0, 64),
  };
}
