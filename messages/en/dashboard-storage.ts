/** Dashboard words for disk use (the settings page's panel) and media deleted by retention (English). Merged into `dashboard.ts`. */
import type { dashboardStorage as es } from '../es/dashboard-storage.js';

export const dashboardStorage = {
  'storage.title': 'Storage',
  'storage.hint': 'Disk space per kind of file. Retention deletes published, rejected and duplicate videos, failure evidence and orphaned uploads by age; thumbnails and facts stay.',
  'storage.kind.originals': 'Originals',
  'storage.kind.variants': 'Platform variants',
  'storage.kind.thumbnails': 'Thumbnails',
  'storage.kind.evidence': 'Failure evidence',
  'storage.kind.incoming': 'Uploads in progress or orphaned',
  'storage.kind.other': 'Other (logos…)',
  'storage.database': 'Database',
  'storage.files': '{n} files',
  'storage.free': 'Free disk: {free} of {total}',
  'storage.low': 'Less free space than the minimum ({min}): uploads are refused until space is freed.',
  'storage.partial': 'Incomplete count (too many files): the figures are lower bounds.',
  'storage.measuredAt': 'Measured: {time}',
  'storage.loadError': 'Storage could not be measured: {message}',

  'desk.media.deleted': 'Video deleted by retention',
  'desk.media.deletedOn': 'Video deleted by retention on {date}. The thumbnail and the video\'s facts are kept.',
} satisfies typeof es;
