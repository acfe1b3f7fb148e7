/**
 * Process configuration: JSON file (`--config <path>` or RINGMATCH_CONFIG) over embedded
 * defaults, then environment overrides. Cold path; errors name the field and the fix.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, compileConfig, demoConfig } from '../engine/config.ts';
import type { EngineConfig, EngineSpec } from '../engine/config.ts';

export interface ProcessConfig {
  engine: EngineConfig;
  spec: EngineSpec;
  dataDir: string;
  source: string;
}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): ProcessConfig {
  const i = argv.indexOf('--config');
  const path = i >= 0 ? argv[i + 1] : env.RINGMATCH_CONFIG;
  let engine: EngineConfig & { dataDir?: string } = demoConfig();
  let source = 'embedded defaults';
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError('--config', `cannot read ${path}: ${(e as Error).message}`, 'pass the path of a readable JSON file');
    }
    try {
      engine = JSON.parse(text) as EngineConfig;
    } catch (e) {
      throw new ConfigError('--config', `${path} is not valid JSON: ${(e as Error).message}`, 'fix the JSON syntax');
    }
    source = path;
  }
  if (env.RINGMATCH_SHARDS) engine.shards = Number(env.RINGMATCH_SHARDS);
  if (env.RINGMATCH_IDLE) engine.idle = env.RINGMATCH_IDLE as EngineConfig['idle'];
  const spec = compileConfig(engine);
  return { engine, spec, dataDir: env.DATA_DIR ?? engine.dataDir ?? './data', source };
}
