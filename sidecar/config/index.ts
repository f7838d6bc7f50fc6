/** Layered, validated configuration: see load.ts for the precedence rules. */
export { loadConfig, parseConfig, marketEndpoint, type LoadConfigInput, type ParseConfigInput } from './load';
export { describeConfig } from './describe';
export { exampleConfigToml } from './example';
export { CONFIG_FILE_ENV, envName, type Env } from './env';
export {
  FILE_MARKET_NAME,
  LOG_LEVELS,
  type ConfigLayer,
  type ExchangeDefaults,
  type ExchangeSection,
  type LogLevel,
} from './schema';
export type { Config, ConfigResult, ExchangeConfig, MarketEndpoint } from './types';
