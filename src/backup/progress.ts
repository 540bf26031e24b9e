/**
 * A backup's progress: the shared meter (report/progress.ts), fed per table by runBackup with the planner's row
 * estimates. Kept as its own name so backup code does not depend on how progress is drawn.
 */
export type { Progress as BackupProgress } from '../report/progress.js';
