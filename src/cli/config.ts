import { ConfigError, formatIssue } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';

/** Load the config for a command; every problem is one line with its path (no stack traces). */
export function loadConfigOrExit(file: string, logger: Logger): Config {
  try {
    const { config, warnings } = loadConfig(file);
    for (const warning of warnings) logger.warn({ path: warning.path }, warning.message);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const issue of error.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      throw new ConfigError(error.issues, { details: { printed: true } });
    }
    throw error;
  }
}
