package io.github.agentmemory.redis.recovery.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;
import org.springframework.util.Assert;

/**
 * A {@link RecoveryJournal} in a SQLite database (through {@code org.xerial:sqlite-jdbc})
 * in WAL mode, in a directory of its own.
 *
 * <p>
 * One writer thread owns the database connection. It takes whatever appends and removals
 * arrived while it committed the previous transaction (at most
 * {@link JournalSettings#getMaxBatch()}), writes them in one transaction and commits it
 * with the durability of {@link JournalSettings#getSync()}; a second thread then
 * completes the appends' futures, so that callers' dependent stages never delay a
 * commit. Entries are not kept on the heap once committed: memory grows with the
 * appends waiting for a commit, not with the journal's size.
 *
 * <p>
 * Capacity is reserved when {@link #append} is called, so an append beyond
 * {@link JournalSettings#getMaxEntries()} or {@link JournalSettings#getMaxBytes()} fails
 * at once with {@link JournalFullException}, and nothing already journaled is touched.
 * A failed transaction (a full disk, an I/O error) fails all its appends with
 * {@link JournalWriteException}; its removals are tried again with the next one.
 *
 * <p>
 * The directory is locked for the journal's lifetime ({@link JournalLockedException} for
 * a second journal on it). When the journal opens, the write-ahead log left by a crash is
 * checked for a torn or corrupt tail, which SQLite would discard without a word; a
 * database file that SQLite cannot read is set aside (renamed) and replaced by a new one,
 * after saving what can still be read. All of these are logged at WARN and counted in
 * {@link #stats()}.
 *
 * @author agent-memory-redis
 */
public class SqliteRecoveryJournal implements RecoveryJournal {

	private static final Log logger = LogFactory.getLog(SqliteRecoveryJournal.class);

	private static final Op CLOSE = new Close();

	private final JournalSettings settings;

	private final Path directory;

	private final DirectoryLock lock;

	private final JournalRecovery recovery;

	private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();

	private final Thread writer;

	private final ExecutorService completer;

	private final Object admission = new Object();

	// guarded by admission
	private long reservedEntries;

	private long reservedBytes;

	private boolean closed;

	private boolean appended;

	private boolean recoverCalled;

	private boolean full;

	// written by the writer thread only
	private SqliteStore store;

	private volatile long entries;

	private volatile long bytes;

	private volatile long oldestCreated = Long.MIN_VALUE;

	private volatile long lastCommitNanos;

	private volatile double averageCommitNanos;

	private volatile int lastBatchSize;

	private volatile long recovered;

	private volatile long corruptRecords;

	private volatile long tornTailFrames;

	private volatile boolean damaged;

	private final AtomicLong fullRejections = new AtomicLong();

	private final AtomicLong writeFailures = new AtomicLong();

	private long[] retryRemovals = new long[0];

	/**
	 * Open the journal in the settings' directory, creating both if needed.
	 * @param settings the settings
	 * @throws JournalLockedException if another journal has the directory open
	 * @throws JournalWriteException if the directory or the database cannot be opened
	 */
	public SqliteRecoveryJournal(JournalSettings settings) {
		this(settings, (connection) -> {
		});
	}

	SqliteRecoveryJournal(JournalSettings settings, SqliteStore.ConnectionCustomizer customizer) {
		Assert.notNull(settings, "'settings' must not be null");
		this.settings = settings;
		this.directory = settings.getDirectory().toAbsolutePath();
		try {
			Files.createDirectories(this.directory);
		}
		catch (IOException ex) {
			throw new JournalWriteException("Cannot create the recovery journal directory " + this.directory, ex);
		}
		this.lock = DirectoryLock.acquire(this.directory);
		this.recovery = new JournalRecovery(this.directory, settings.getSync(), customizer);
		try {
			this.tornTailFrames = this.recovery.inspectLogTail().tornFrames();
			JournalRecovery.Opened opened = this.recovery.open();
			this.store = opened.store();
			this.corruptRecords = opened.setAside() ? 1 : 0;
			readTotals();
		}
		catch (RuntimeException ex) {
			if (this.store != null) {
				this.store.close();
			}
			this.lock.close();
			throw ex;
		}
		this.completer = Executors.newSingleThreadExecutor((task) -> daemon(task, "recovery-journal-completer"));
		this.writer = daemon(this::write, "recovery-journal-writer");
		this.writer.start();
		logger.info(LogMessage.format("Recovery journal %s opened: %d entries, %d bytes, sync %s", this.directory,
				this.entries, this.bytes, settings.getSync()));
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	/**
	 * The settings of this journal.
	 * @return the settings
	 */
	public JournalSettings getSettings() {
		return this.settings;
	}

	@Override
	public CompletableFuture<Void> append(JournalEntry entry) {
		Assert.notNull(entry, "'entry' must not be null");
		byte[] payload = JournalCodec.encode(entry);
		CompletableFuture<Void> future = new CompletableFuture<>();
		String refusal;
		boolean logFull = false;
		synchronized (this.admission) {
			if (this.closed) {
				return CompletableFuture.failedFuture(closedException());
			}
			if (this.reservedEntries + 1 > this.settings.getMaxEntries()) {
				refusal = this.reservedEntries + " of " + this.settings.getMaxEntries() + " entries";
			}
			else if (this.reservedBytes + payload.length > this.settings.getMaxBytes()) {
				refusal = this.reservedBytes + " of " + this.settings.getMaxBytes() + " bytes, the entry takes "
						+ payload.length;
			}
			else {
				refusal = null;
				this.reservedEntries++;
				this.reservedBytes += payload.length;
				this.appended = true;
				this.full = false;
				this.queue.add(new Append(entry.sequence(), entry.createdEpochMillis(), payload, future));
			}
			if (refusal != null && !this.full) {
				this.full = true;
				logFull = true;
			}
		}
		if (refusal != null) {
			this.fullRejections.incrementAndGet();
			String message = "Recovery journal " + this.directory + " is full (" + refusal + "); sequence "
					+ entry.sequence() + " was not journaled";
			if (logFull) {
				logger.warn(message + "; further refusals are counted, not logged, until an append succeeds");
			}
			return CompletableFuture.failedFuture(new JournalFullException(message));
		}
		return future;
	}

	@Override
	public void remove(long sequence) {
		synchronized (this.admission) {
			if (!this.closed) {
				this.queue.add(new Remove(sequence));
			}
		}
	}

	@Override
	public CompletableFuture<List<JournalEntry>> read(long[] sequences) {
		Assert.notNull(sequences, "'sequences' must not be null");
		CompletableFuture<List<JournalEntry>> future = new CompletableFuture<>();
		synchronized (this.admission) {
			if (this.closed) {
				return CompletableFuture.failedFuture(closedException());
			}
			this.queue.add(new Read(sequences.clone(), future));
		}
		return future;
	}

	@Override
	public List<JournalEntry> recover() {
		CompletableFuture<List<JournalEntry>> future = new CompletableFuture<>();
		synchronized (this.admission) {
			Assert.state(!this.recoverCalled, "recover() was already called");
			Assert.state(!this.appended, "recover() must be called before the first append");
			if (this.closed) {
				throw closedException();
			}
			this.recoverCalled = true;
			this.queue.add(new Recover(future));
		}
		try {
			return future.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException cause) {
				throw cause;
			}
			throw ex;
		}
	}

	@Override
	public JournalStats stats() {
		long oldest = this.oldestCreated;
		return new JournalStats(this.entries, this.bytes, (oldest != Long.MIN_VALUE) ? Instant.ofEpochMilli(oldest) : null,
				Duration.ofNanos(this.lastCommitNanos), Duration.ofNanos((long) this.averageCommitNanos),
				this.lastBatchSize, this.recovered, this.corruptRecords, this.tornTailFrames, this.fullRejections.get(),
				this.writeFailures.get());
	}

	@Override
	public void close() {
		synchronized (this.admission) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			this.queue.add(CLOSE);
		}
		boolean interrupted = false;
		while (this.writer.isAlive()) {
			try {
				this.writer.join();
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		this.completer.shutdown();
		try {
			if (!this.completer.awaitTermination(10, TimeUnit.SECONDS)) {
				logger.warn(LogMessage.format("Recovery journal %s: appends' callbacks still running after 10s",
						this.directory));
			}
		}
		catch (InterruptedException ex) {
			interrupted = true;
		}
		this.lock.close();
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
		logger.info(LogMessage.format("Recovery journal %s closed: %d entries, %d bytes", this.directory, this.entries,
				this.bytes));
	}

	private JournalWriteException closedException() {
		return new JournalWriteException("Recovery journal " + this.directory + " is closed", null);
	}

	private void readTotals() {
		try {
			SqliteStore.Totals totals = this.store.totals();
			Long oldest = this.store.oldestCreated();
			this.store.commit();
			this.entries = totals.rows();
			this.bytes = totals.bytes();
			this.oldestCreated = (oldest != null) ? oldest : Long.MIN_VALUE;
			this.reservedEntries = totals.rows();
			this.reservedBytes = totals.bytes();
		}
		catch (SQLException ex) {
			if (!SqliteStore.isCorruption(ex)) {
				throw new JournalWriteException("Cannot read the recovery journal in " + this.directory, ex);
			}
			// recover() saves what can still be read
			this.damaged = true;
			logger.warn(LogMessage.format("Recovery journal %s: the database is damaged (%s); recover() will save "
					+ "what can still be read", this.directory, ex.getMessage()));
		}
	}

	// ---- the writer thread ----

	private void write() {
		List<Op> batch = new ArrayList<>(this.settings.getMaxBatch());
		Batch pending = new Batch(this.settings.getMaxBatch());
		boolean open = true;
		while (open) {
			try {
				batch.add(this.queue.take());
			}
			catch (InterruptedException ex) {
				continue;
			}
			this.queue.drainTo(batch, this.settings.getMaxBatch() - 1);
			for (Op op : batch) {
				if (op instanceof Append append) {
					pending.add(append);
				}
				else if (op instanceof Remove remove) {
					pending.remove(remove.sequence());
				}
				else if (op instanceof Read read) {
					// committed rows only: the batch's appends are not in the store yet, and a
					// removal queued after the read is not applied yet
					read(read);
				}
				else {
					commit(pending);
					if (op instanceof Recover recover) {
						recover(recover.future());
					}
					else {
						open = false;
					}
				}
			}
			commit(pending);
			batch.clear();
		}
		this.store.close();
	}

	private void commit(Batch batch) {
		if (batch.isEmpty() && this.retryRemovals.length == 0) {
			return;
		}
		if (this.retryRemovals.length > 0) {
			for (long sequence : this.retryRemovals) {
				batch.remove(sequence);
			}
			this.retryRemovals = new long[0];
		}
		long start = System.nanoTime();
		int[] inserted;
		SqliteStore.Totals removed;
		Long oldest = null;
		try {
			inserted = (batch.appends > 0)
					? this.store.insert(batch.sequences, batch.created, batch.payloads, batch.appends) : new int[0];
			removed = (batch.removals > 0) ? this.store.delete(batch.removed, batch.removals)
					: new SqliteStore.Totals(0, 0);
			if (removed.rows() > 0 || this.oldestCreated == Long.MIN_VALUE) {
				oldest = this.store.oldestCreated();
			}
			this.store.commit();
		}
		catch (SQLException | RuntimeException | Error ex) {
			this.store.rollback();
			fail(batch, ex);
			return;
		}
		long elapsed = System.nanoTime() - start;
		this.lastCommitNanos = elapsed;
		double average = this.averageCommitNanos;
		this.averageCommitNanos = (average == 0) ? elapsed : average + (elapsed - average) / 16;
		this.lastBatchSize = batch.appends + batch.removals;
		long insertedRows = 0;
		long insertedBytes = 0;
		List<CompletableFuture<Void>> succeeded = new ArrayList<>(batch.appends);
		List<CompletableFuture<Void>> duplicates = new ArrayList<>();
		long duplicateBytes = 0;
		for (int i = 0; i < batch.appends; i++) {
			if (inserted[i] > 0) {
				insertedRows++;
				insertedBytes += batch.payloads[i].length;
				succeeded.add(batch.futures[i]);
			}
			else {
				duplicates.add(batch.futures[i]);
				duplicateBytes += batch.payloads[i].length;
			}
		}
		synchronized (this.admission) {
			this.reservedEntries -= removed.rows() + duplicates.size();
			this.reservedBytes -= removed.bytes() + duplicateBytes;
		}
		this.entries += insertedRows - removed.rows();
		this.bytes += insertedBytes - removed.bytes();
		if (oldest != null) {
			this.oldestCreated = oldest;
		}
		else if (this.entries == 0) {
			this.oldestCreated = Long.MIN_VALUE;
		}
		if (!duplicates.isEmpty()) {
			this.writeFailures.addAndGet(duplicates.size());
		}
		long[] duplicateSequences = batch.duplicates(inserted);
		batch.clear();
		this.completer.execute(() -> {
			for (CompletableFuture<Void> future : succeeded) {
				future.complete(null);
			}
			for (int i = 0; i < duplicates.size(); i++) {
				duplicates.get(i).completeExceptionally(new JournalWriteException("Sequence " + duplicateSequences[i]
						+ " is already in the recovery journal " + this.directory + "; the entry was not journaled", null));
			}
		});
	}

	private void fail(Batch batch, Throwable ex) {
		String reason = (ex instanceof SQLException sql && SqliteStore.isFull(sql)) ? "the disk or the database is full"
				: "the store failed";
		String message = "Recovery journal " + this.directory + " could not commit " + batch.appends
				+ " appends and " + batch.removals + " removals (" + reason + ": " + ex.getMessage() + ")";
		logger.warn(message + "; the appends were not journaled, the removals will be tried again");
		long bytes = 0;
		for (int i = 0; i < batch.appends; i++) {
			bytes += batch.payloads[i].length;
		}
		synchronized (this.admission) {
			this.reservedEntries -= batch.appends;
			this.reservedBytes -= bytes;
		}
		this.writeFailures.addAndGet(batch.appends);
		this.retryRemovals = Arrays.copyOf(batch.removed, batch.removals);
		List<CompletableFuture<Void>> failed = new ArrayList<>(Arrays.asList(batch.futures).subList(0, batch.appends));
		batch.clear();
		JournalWriteException failure = new JournalWriteException(message, ex);
		this.completer.execute(() -> failed.forEach((future) -> future.completeExceptionally(failure)));
	}

	private void read(Read read) {
		List<byte[]> payloads = new ArrayList<>(read.sequences().length);
		List<Long> sequences = new ArrayList<>(read.sequences().length);
		try {
			this.store.read(read.sequences(), (sequence, payload) -> {
				sequences.add(sequence);
				payloads.add(payload);
				return true;
			});
		}
		catch (SQLException | RuntimeException ex) {
			JournalWriteException failure = new JournalWriteException(
					"Cannot read " + read.sequences().length + " entries of the recovery journal " + this.directory, ex);
			this.completer.execute(() -> read.future().completeExceptionally(failure));
			return;
		}
		// decoded on the completer: the writer thread only moves bytes
		this.completer.execute(() -> {
			List<JournalEntry> entries = new ArrayList<>(payloads.size());
			for (int i = 0; i < payloads.size(); i++) {
				try {
					JournalEntry entry = JournalCodec.decode(payloads.get(i));
					if (entry.sequence() == sequences.get(i)) {
						entries.add(entry);
						continue;
					}
				}
				catch (JournalCodec.CorruptRecordException ex) {
					// logged below
				}
				logger.warn(LogMessage.format("Recovery journal %s: record %d does not decode; its write cannot be read back",
						this.directory, sequences.get(i)));
			}
			read.future().complete(entries);
		});
	}

	private void recover(CompletableFuture<List<JournalEntry>> future) {
		JournalRecovery.Recovered result;
		try {
			result = this.recovery.recover(this.store, this.damaged);
		}
		catch (SQLException | RuntimeException ex) {
			this.store.rollback();
			future.completeExceptionally(
					new JournalWriteException("Cannot read the recovery journal in " + this.directory, ex));
			return;
		}
		this.store = result.store();
		this.damaged = false;
		SqliteStore.Totals totals = result.totals();
		synchronized (this.admission) {
			this.reservedEntries += totals.rows() - this.entries;
			this.reservedBytes += totals.bytes() - this.bytes;
		}
		this.entries = totals.rows();
		this.bytes = totals.bytes();
		this.oldestCreated = (result.oldestCreated() != null) ? result.oldestCreated() : Long.MIN_VALUE;
		this.corruptRecords += result.corruptRecords();
		this.recovered = result.entries().size();
		logger.info(LogMessage.format("Recovery journal %s: recovered %d entries (%d corrupt records, %d torn log frames)",
				this.directory, result.entries().size(), this.corruptRecords, this.tornTailFrames));
		future.complete(result.entries());
	}

	private sealed interface Op permits Append, Remove, Read, Recover, Close {

	}

	private record Append(long sequence, long created, byte[] payload, CompletableFuture<Void> future) implements Op {

	}

	private record Remove(long sequence) implements Op {

	}

	private record Read(long[] sequences, CompletableFuture<List<JournalEntry>> future) implements Op {

	}

	private record Recover(CompletableFuture<List<JournalEntry>> future) implements Op {

	}

	private record Close() implements Op {

	}

	/**
	 * The appends and removals of one transaction, in reused arrays.
	 */
	private static final class Batch {

		long[] sequences;

		long[] created;

		byte[][] payloads;

		@SuppressWarnings("unchecked")
		CompletableFuture<Void>[] futures;

		int appends;

		long[] removed;

		int removals;

		@SuppressWarnings("unchecked")
		Batch(int capacity) {
			this.sequences = new long[capacity];
			this.created = new long[capacity];
			this.payloads = new byte[capacity][];
			this.futures = new CompletableFuture[capacity];
			this.removed = new long[capacity];
		}

		boolean isEmpty() {
			return this.appends == 0 && this.removals == 0;
		}

		void add(Append append) {
			if (this.appends == this.sequences.length) {
				int size = this.sequences.length * 2;
				this.sequences = Arrays.copyOf(this.sequences, size);
				this.created = Arrays.copyOf(this.created, size);
				this.payloads = Arrays.copyOf(this.payloads, size);
				this.futures = Arrays.copyOf(this.futures, size);
			}
			this.sequences[this.appends] = append.sequence();
			this.created[this.appends] = append.created();
			this.payloads[this.appends] = append.payload();
			this.futures[this.appends] = append.future();
			this.appends++;
		}

		void remove(long sequence) {
			if (this.removals == this.removed.length) {
				this.removed = Arrays.copyOf(this.removed, this.removed.length * 2);
			}
			this.removed[this.removals++] = sequence;
		}

		long[] duplicates(int[] inserted) {
			long[] result = new long[this.appends];
			int count = 0;
			for (int i = 0; i < this.appends; i++) {
				if (inserted[i] == 0) {
					result[count++] = this.sequences[i];
				}
			}
			return Arrays.copyOf(result, count);
		}

		void clear() {
			Arrays.fill(this.payloads, 0, this.appends, null);
			Arrays.fill(this.futures, 0, this.appends, null);
			this.appends = 0;
			this.removals = 0;
		}

	}

}
