import { defineDetector, type MdeEvent } from '@tripline/core';
import { describeUser, effectiveIdentity } from '../../internal/mdatp.js';
import { basename, joinImagePath } from '../../internal/text.js';

/** Lucene-based search services: service account, install tree of the bundled JVM, bootstrap class. */
interface Service {
  readonly name: string;
  readonly account: string;
  readonly home: string;
  readonly bootstrap: string;
}
const SERVICES: readonly Service[] = [
  {
    name: 'Wazuh indexer',
    account: 'wazuh-indexer',
    home: '/usr/share/wazuh-indexer/',
    bootstrap: 'org.opensearch.bootstrap.OpenSearch',
  },
  {
    name: 'OpenSearch',
    account: 'opensearch',
    home: '/usr/share/opensearch/',
    bootstrap: 'org.opensearch.bootstrap.OpenSearch',
  },
  {
    name: 'Elasticsearch',
    account: 'elasticsearch',
    home: '/usr/share/elasticsearch/',
    bootstrap: 'org.elasticsearch.bootstrap.Elasticsearch',
  },
];
const BY_ACCOUNT: ReadonlyMap<string, Service> = new Map(SERVICES.map((s) => [s.account, s]));
const JVM_IMAGES: ReadonlySet<string> = new Set(['java']);

/**
 * Lucene index file extensions (Lucene 4–10 codecs, plus `.tmp` files of merges in progress).
 * Segment files are `_<gen>.<ext>` or `_<gen>_<codec>_<n>.<ext>`; commit points are `segments_<N>`.
 */
const LUCENE_EXTENSIONS: ReadonlySet<string> = new Set(
  'si cfs cfe doc pos pay tim tip tmd dvd dvm nvd nvm fdt fdx fdm fnm liv kdd kdi kdm dii dim vec vem vex veq vemq vemf psm tvd tvx tvm tmp'.split(
    ' ',
  ),
);
/** `_1x`, `_1x_Lucene912_0`, `_4_Lucene90FieldsIndex-doc_ids_2` (underscore-separated parts; linear). */
const SEGMENT_STEM_RE = /^_[0-9a-z]{1,13}(?:_[0-9A-Za-z-]{1,64}){0,4}$/;
const COMMIT_RE = /^(?:pending_)?segments_[0-9a-z]{1,13}$/;
const CODEC_RE = /_(Lucene\d{2,3}[A-Za-z]{0,40})_/;

/** What a deleted file is, when it is a Lucene index file. */
export interface SegmentFile {
  readonly kind: 'segment' | 'commit point';
  /** Extension (`doc`), or `segments_N` for commit points. */
  readonly extension: string;
  /** Codec named in the file name (`Lucene912`), when there is one. */
  readonly codec: string | undefined;
}

/** Classifies a file name as a Lucene segment file or commit point; undefined otherwise. */
export function luceneFile(fileName: string): SegmentFile | undefined {
  if (fileName.length > 160) return undefined;
  if (COMMIT_RE.test(fileName)) return { kind: 'commit point', extension: 'segments_N', codec: undefined };
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = fileName.slice(dot + 1);
  const stem = fileName.slice(0, dot);
  if (!LUCENE_EXTENSIONS.has(ext) || !SEGMENT_STEM_RE.test(stem)) return undefined;
  return { kind: 'segment', extension: ext, codec: CODEC_RE.exec(fileName)?.[1] };
}

/** Where in a search data tree a file sits: `<root>/indices/<uuid>/<shard>/index/<file>`. */
export interface IndexLocation {
  /** Data root up to and including `indices` (`/var/lib/wazuh-indexer/nodes/0/indices`). */
  readonly root: string;
  readonly indexUuid: string;
  readonly shard: string;
}

const UUID_RE = /^[A-Za-z0-9_-]{8,64}$/;
const SHARD_RE = /^\d{1,5}$/;

/** Parses the folder of a deleted file; undefined when it is not a shard's `index` directory. */
export function indexLocation(folder: string): IndexLocation | undefined {
  if (folder.length > 1024) return undefined;
  const parts = folder.replace(/\/+$/, '').split('/');
  // … / indices / <uuid> / <shard> / index
  const n = parts.length;
  if (n < 5 || parts[n - 1] !== 'index' || parts[n - 4] !== 'indices') return undefined;
  const uuid = parts[n - 3]!;
  const shard = parts[n - 2]!;
  if (!UUID_RE.test(uuid) || !SHARD_RE.test(shard)) return undefined;
  return { root: parts.slice(0, n - 3).join('/'), indexUuid: uuid, shard };
}

/** Folder of a FileDeleted row: `FolderPath` may hold the folder or the full path of the file. */
function folderOf(event: MdeEvent, fileName: string): string | undefined {
  const fp = event.str('FolderPath');
  if (!fp) return undefined;
  return fp.endsWith(`/${fileName}`) ? fp.slice(0, -fileName.length - 1) : fp;
}

/**
 * The deleting process is the search service's own JVM running as its service account: image
 * `java`, account one of the known service accounts, and the JVM bundled in that service's tree
 * or started with its bootstrap class. The data root must not name a different service.
 */
export function serviceOf(event: MdeEvent, root: string): Service | undefined {
  const image = joinImagePath(event.str('InitiatingProcessFolderPath'), event.str('InitiatingProcessFileName'));
  if (image === undefined || !JVM_IMAGES.has(basename(image).toLowerCase())) return undefined;
  const id = effectiveIdentity(event);
  const service = id.user === undefined ? undefined : BY_ACCOUNT.get(id.user);
  if (!service) return undefined;
  const lowerImage = image.toLowerCase();
  const cmd = event.str('InitiatingProcessCommandLine') ?? '';
  if (!lowerImage.startsWith(service.home) && !cmd.includes(service.bootstrap)) return undefined;
  const lowerRoot = root.toLowerCase();
  for (const other of SERVICES) {
    if (other !== service && lowerRoot.includes(`/${other.account}/`) && !lowerRoot.includes(`/${service.account}/`))
      return undefined;
  }
  return service;
}

export const detector = defineDetector({
  meta: {
    id: 'defender/search-index-segment-deletion',
    title: 'Search index segment housekeeping',
    summary:
      "Groups the deletions of Lucene segment files and commit points under an OpenSearch / Elasticsearch / Wazuh-indexer data directory, made by that service's own JVM and service account, into one alert per device and data root.",
    rationale:
      'Lucene writes immutable segments and merges them continuously; the merged-away files and old `segments_N` commit points are deleted by the service itself. On a busy indexer that is hundreds of FileDeleted events an hour that look like mass file deletion. Grouping them into one low alert per data root, with counts, indices and extensions, keeps them visible without noise. Low: expected housekeeping.',
    severity: 'low',
    severityNotes:
      "Always low. Deletions of the same files by another process (rm, a shell, a script), another account or a JVM outside the service's install tree are not this class and get no alert here — they are what a destructive actor would look like.",
    category: 'System Activity',
    mitre: [],
    mitreNotes:
      'No technique. Segment merges are the data store working as designed; mapping them to T1485 (Data Destruction) or T1070.004 (File Deletion) would claim adversary behaviour where there is none. Those techniques apply to deletions outside this class — by other processes or accounts — which this detector deliberately leaves out.',
    references: [
      'https://lucene.apache.org/core/9_12_0/core/org/apache/lucene/codecs/lucene912/package-summary.html',
      'https://opensearch.org/docs/latest/tuning-your-cluster/availability-and-recovery/segment-replication/index/',
      'https://documentation.wazuh.com/current/getting-started/components/wazuh-indexer.html',
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicefileevents-table',
    ],
    falsePositives: [
      "None for the class: these are the service's own merges and commits. Allowlist the key (data root) to silence it.",
    ],
    kql: {
      unsupported:
        'Recognises Lucene segment files, the index data root, the owning service and its account from paths and the POSIX identity with per-service tables; the file-name grammar of Lucene codecs and the service table have no compact faithful KQL form.',
    },
    tables: ['DeviceFileEvents'],
    actionTypes: ['FileDeleted'],
    evidence: {
      root: { combine: 'first', label: 'Data Root' },
      image: { combine: 'first', label: 'Initiating Process' },
      account: { combine: 'first', label: 'Initiating Account' },
      // One value per deleted file: match supplies the file's path.
      filesDeleted: { combine: 'count', label: 'Files Deleted' },
      indexUuids: { combine: 'distinct', label: 'Index UUIDs' },
      extensions: { combine: 'distinct', label: 'File Extensions' },
      sampleFiles: { combine: 'distinct', cap: 10, label: 'Sample Files' },
      codecs: { combine: 'distinct', label: 'Lucene Codecs' },
      service: { combine: 'first', hidden: true },
    },
    columns: [
      'FileName',
      'FolderPath',
      'InitiatingProcessFileName',
      'InitiatingProcessFolderPath',
      'InitiatingProcessCommandLine',
      'InitiatingProcessAccountName',
      'InitiatingProcessAccountSid',
      'AdditionalFields',
    ],
    values: ['indexCount'],
    messages: {
      default: {
        title: 'Routine index segment deletions by {service}',
        description:
          '{count} Lucene index file(s) were deleted under {root} between {firstSeen} and {lastSeen} by the {service} JVM ({image}) running as {account}, across {indexCount} index(es). Lucene deletes segment files after merging them into larger ones and drops old segments_N commit points after each commit: normal operation of the search engine.',
        riskAssessment:
          "Routine maintenance of the service's own data; no security risk. Only deletions by the service's own JVM and account are grouped here — the same files deleted by any other process or account are not part of this alert.",
      },
    },
  },

  match(event) {
    const fileName = event.str('FileName');
    if (!fileName) return undefined;
    const file = luceneFile(fileName);
    if (!file) return undefined;
    const folder = folderOf(event, fileName);
    const loc = folder === undefined ? undefined : indexLocation(folder);
    if (!loc) return undefined;
    const service = serviceOf(event, loc.root);
    if (!service) return undefined;
    const id = effectiveIdentity(event);
    const image =
      joinImagePath(event.str('InitiatingProcessFolderPath'), event.str('InitiatingProcessFileName')) ?? 'java';
    const path = `${folder}/${fileName}`;
    return {
      key: loc.root,
      evidence: {
        root: loc.root,
        image,
        account: describeUser(id) ?? service.account,
        service: service.name,
        filesDeleted: path,
        indexUuids: loc.indexUuid,
        extensions: file.extension,
        sampleFiles: path,
        ...(file.codec ? { codecs: file.codec } : {}),
      },
    };
  },

  render: (group) => ({
    values: { indexCount: `${group.evidence.indexUuids.length}${group.truncated.has('indexUuids') ? '+' : ''}` },
  }),
});
