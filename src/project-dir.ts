import path from 'node:path';

/**
 * The project's directory: this file is in src/, or bundled into dist/ (`npm run build`), one level
 * below it either way. The card templates (cards/) and `.env` are found from here, whatever the working directory.
 */
export const PROJECT_DIR = path.resolve(__dirname, '..');
