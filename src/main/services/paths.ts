// Where the run database lives when no --db is given: the same folder Electron's
// app.getPath('userData') uses for an app named "sam-studio", so the CLI and the app share it.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultUserDataDir(): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'sam-studio');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'sam-studio');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'sam-studio');
}

export function defaultDbPath(): string {
  return join(defaultUserDataDir(), 'runs.db');
}
