import type { Registry } from 'prom-client';
import { ChangeFeed } from '../changes/feed.js';
import { RealtimeHub } from '../changes/hub.js';
import { registerRealtimeMetrics } from '../changes/metrics.js';
import { ChangePublication } from '../changes/published.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { IdentityDataOwner } from '../identity/data-owners.js';
import { createIdentityService } from '../identity/factory.js';
import { GuestReaper } from '../identity/guest-reaper.js';
import { IdentityLocks } from '../identity/owner-locks.js';
import type { IdentityService } from '../identity/service.js';
import { IdentityStore } from '../identity/store.js';
import { ApiKeyService } from '../keys/service.js';
import { ApiKeyStore } from '../keys/store.js';
import type { Plan } from '../limiter/limiter.js';
import { PlanLimiter } from '../limiter/plan-limiter.js';
import { openMail } from '../mail/factory.js';
import type { MailSender } from '../mail/sender.js';
import { migrate } from '../migrations/migrate.js';
import { NotesDataOwner } from '../notes/data-owner.js';
import { NoteIndexSource } from '../notes/index-source.js';
import { NotesService } from '../notes/service.js';
import { NotesStore } from '../notes/store.js';
import { openPhotos, type Photos } from '../photos/factory.js';
import { NotesReferringToPhotos, OwnedPhotos } from '../photos/note-references.js';
import { PhotoStore } from '../photos/store.js';
import type { SearchIndex } from '../search/index.js';
import { SearchIndexer } from '../search/indexer.js';
import { SearchService } from '../search/service.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { createLogger, createRegistry, degradedStoreReporter, type Logger } from '../shared/observability.js';
import type { ChangeClaims } from '../stream/claims.js';
import type { StreamConsumer } from '../stream/consumer.js';
import { registerStreamMetrics } from '../stream/metrics.js';
import { Outbox } from '../stream/outbox.js';
import { StreamProcessor } from '../stream/processor.js';
import { RetryStore } from '../stream/retries.js';
import { openWebhooks, type Webhooks } from '../webhooks/factory.js';
import { registerWebhookMetrics } from '../webhooks/metrics.js';
import { secureDataFolder } from './data-folder.js';
import { type DataLayout, dataLayout } from './layout.js';
import { registerRunningProcess } from './running-processes.js';
import { type OpenOptions, openBlobs, openStorage } from './storage.js';

/**
 * How long realtime connections' hub waits for the publication's doorbell before it looks anyway
 * (only while someone listens): what a lost ring costs, or a processor in another process on SQLite, which cannot ring here.
 */
const REALTIME_FALLBACK_MS = 250;

/** The services of one Shoebox process, wired for the configured engines. */
export interface Shoebox {
  readonly config: Config;
  readonly layout: DataLayout;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly database: Database;
  readonly limiter: PlanLimiter;
  readonly keys: ApiKeyService;
  readonly identities: IdentityService;
  readonly defaultPlan: Plan;
  readonly notes: NotesService;
  readonly search: SearchService;
  readonly searchIndex: SearchIndex;
  readonly noteSource: NoteIndexSource;
  /** Delivers the change stream to its consumers; started by `serve` and `worker`, idle otherwise. */
  readonly processor: StreamProcessor;
  /** How processors of this engine claim the change stream (for tests and tools that build their own processor). */
  readonly claims: ChangeClaims;
  readonly retries: RetryStore;
  readonly photos: Photos;
  /** Sends queued mail; started by `serve` and `worker`, idle otherwise. */
  readonly mailSender: MailSender;
  /** Removes guests past their lifetime; started by `serve` and `worker` when a lifetime is set. */
  readonly guestReaper: GuestReaper;
  /** Webhooks: their admin service, the stream consumer that queues deliveries and the dispatcher (started with the processor). */
  readonly webhooks: Webhooks;
  /** The caller's changes for offline sync, up to what the `changes` consumer has published. */
  readonly changeFeed: ChangeFeed;
  /** Pushes published changes to this process's realtime connections. */
  readonly realtime: RealtimeHub;
  /** Where clients reach this server (for signed URLs): the configured public URL unless told otherwise. */
  readonly publicUrl: () => string;
  /** Used when the port was chosen at listen time (port 0), so URLs name the real one. */
  useListeningUrl(url: string): void;
  close(): Promise<void>;
}

/**
 * `runs` (OpenOptions) is also registered while the deployment is open, so that `shoebox destroy`
 * refuses meanwhile. On PostgreSQL, destroy sees the process's database sessions instead.
 */
export interface ShoeboxOptions extends OpenOptions {
  /** The time every service judges expiry and schedules by: the system's, unless a test moves its own. */
  readonly clock?: Clock;
}

/**
 * Opens (and on first use creates, unless `create` is false) the data folder and database, and
 * brings the schema up to date.
 */
export async function openShoebox(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
  options: ShoeboxOptions = {},
): Promise<Shoebox> {
  const layout = dataLayout(config.dataDir);
  if (secureDataFolder(layout.root)) logger.warn({ dataDir: layout.root }, 'the data folder could be read by other users: it is now 0700');
  const unregister =
    options.runs !== undefined && config.databaseUrl === undefined ? registerRunningProcess(layout.processesDir, options.runs) : () => {};
  try {
    const shoebox = await openServices(config, layout, logger, options);
    return {
      ...shoebox,
      async close() {
        await shoebox.close();
        unregister();
      },
    };
  } catch (error) {
    unregister();
    throw error;
  }
}

async function openServices(config: Config, layout: DataLayout, logger: Logger, options: ShoeboxOptions): Promise<Shoebox> {
  const { clock = systemClock } = options;
  const registry = createRegistry();
  const storage = await openStorage(config, layout, degradedStoreReporter(logger, registry, 'redis'), options);
  let blobs: Awaited<ReturnType<typeof openBlobs>> | undefined;
  try {
    const { database } = storage;
    await migrate(database);
    const limiter = new PlanLimiter(storage.buckets, storage.quotas, clock);
    const { claims, signal, searchIndex } = storage;
    const notesStore = new NotesStore(database);
    const ownerLocks = new IdentityLocks(database.engine);
    const outbox = new Outbox(database, signal);
    const notes = new NotesService(notesStore, outbox, {
      photos: new OwnedPhotos(new PhotoStore(database)),
      oneStatement: storage.noteWrites,
      // The identity service owns the notes' data owner, so it comes after; creates only call this later.
      callers: {
        assertLive: (identityId, sessionId) => identities.assertLive(identityId, sessionId),
        holdOwner: (trx, identityId) => ownerLocks.holdOwner(trx, identityId),
      },
      clock,
    });
    let publicUrl = config.publicUrl;
    blobs = await openBlobs(config, layout, () => publicUrl, clock, options);
    const photos = openPhotos({
      config,
      blobs: blobs.store,
      database,
      outbox,
      publicUrl: () => publicUrl,
      referrers: [new NotesReferringToPhotos(notesStore, notes)],
      clock,
    });
    // Every consumer of the change stream, each with its own checkpoint, retries and dead letters.
    const webhooks = openWebhooks(config, database, logger, clock);
    const consumers: StreamConsumer[] = [
      new SearchIndexer(searchIndex),
      photos.processor,
      webhooks.fanout,
      new ChangePublication(storage.publication),
    ];
    const retries = new RetryStore(database);
    const processor = new StreamProcessor({
      database,
      claims,
      retries,
      consumers,
      settings: config.stream,
      signal,
      log: logger.child({ component: 'stream' }),
      clock,
    });
    registerStreamMetrics(registry, database, processor);
    // Capabilities that own data per identity add theirs here.
    const identityDataOwners: IdentityDataOwner[] = [new NotesDataOwner(notesStore, notes), photos.dataOwner, webhooks.dataOwner];
    const mail = openMail(config, database, storage.windowLimiters, logger, clock);
    const identities = await createIdentityService(
      config,
      database,
      storage.windowLimiters,
      identityDataOwners,
      storage.cacheGenerations,
      mail.mailer,
      clock,
    );
    const mailSender = mail.sender(identities.mailComposer);
    const guestReaper = new GuestReaper(
      identities,
      new IdentityStore(database.db),
      config.guests,
      logger.child({ component: 'guests' }),
      clock,
    );
    const noteSource = new NoteIndexSource(database);
    const published = ChangePublication.reader(database, config.stream.partitions ?? 1);
    const realtime = new RealtimeHub(
      database,
      published,
      storage.publication,
      REALTIME_FALLBACK_MS,
      logger.child({ component: 'realtime' }),
    );
    registerWebhookMetrics(registry, database);
    registerRealtimeMetrics(registry, realtime);
    return {
      config,
      layout,
      logger,
      registry,
      database,
      limiter,
      keys: new ApiKeyService(new ApiKeyStore(database), limiter, storage.cacheGenerations),
      identities,
      defaultPlan: { rate: config.defaultRate, burst: config.defaultBurst, quota: null },
      notes,
      search: new SearchService(searchIndex, noteSource),
      searchIndex,
      noteSource,
      processor,
      claims,
      retries,
      photos,
      mailSender,
      guestReaper,
      webhooks,
      changeFeed: new ChangeFeed(database, published, notes, photos.service),
      realtime,
      publicUrl: () => publicUrl,
      useListeningUrl(url) {
        publicUrl = url;
      },
      async close() {
        await processor.stop();
        await mailSender.stop();
        await guestReaper.stop();
        mail.close();
        await webhooks.dispatcher.stop();
        blobs?.close();
        await storage.close();
      },
    };
  } catch (error) {
    blobs?.close();
    await storage.close();
    throw error;
  }
}

/** Starts what a process does beside requests (`serve` without --no-worker, `worker`): the stream, mail, guest clean-up, webhooks. `close()` stops them. */
export function startBackgroundWork(shoebox: Shoebox): void {
  shoebox.processor.start();
  shoebox.mailSender.start();
  shoebox.guestReaper.start();
  shoebox.webhooks.dispatcher.start();
}
