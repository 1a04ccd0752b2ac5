package io.github.agentmemory.redis.recovery.journal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;
import org.springframework.lang.Nullable;

/**
 * Opens a journal's database after a crash and reads what survived: checks the tail of
 * the write-ahead log before SQLite discards a torn one, sets aside a file SQLite cannot
 * open, skips and deletes records that do not decode, and saves what can still be read
 * of a damaged database into a new one. Everything lost is logged at WARN with counts.
 *
 * @author agent-memory-redis
 */
final class JournalRecovery {

	private static final Log logger = LogFactory.getLog(SqliteRecoveryJournal.class);

	private final Path directory;

	private final JournalSync sync;

	private final SqliteStore.ConnectionCustomizer customizer;

	JournalRecovery(Path directory, JournalSync sync, SqliteStore.ConnectionCustomizer customizer) {
		this.directory = directory;
		this.sync = sync;
		this.customizer = customizer;
	}

	/**
	 * Check the write-ahead log left by the last run; to be called before SQLite opens
	 * the database, which would discard a torn tail without a word.
	 * @return what was found
	 */
	WalTail inspectLogTail() {
		Path wal = this.directory.resolve(SqliteStore.WAL_FILE);
		WalTail tail;
		try {
			tail = WalTail.inspect(wal, pageSize(this.directory.resolve(SqliteStore.DATABASE_FILE)));
		}
		catch (IOException ex) {
			throw new JournalWriteException("Cannot read the write-ahead log " + wal + " of the recovery journal", ex);
		}
		if (tail.torn()) {
			logger.warn(LogMessage.format(
					"Recovery journal %s: the write-ahead log has a torn or corrupt tail: %s; %d of %d frames are "
							+ "discarded, with %d commits among them; %d frames up to the last intact commit are recovered. "
							+ "If the last run was killed in the middle of a write, a single torn frame is that write, "
							+ "which was never acknowledged, and nothing is lost. Otherwise the entries of the discarded "
							+ "commits are lost "
							+ "(expected only after a power loss or a kernel crash with sync %s, or from a faulty disk)",
					this.directory, tail.problem(), tail.tornFrames(), tail.frames(), tail.lostCommits(),
					tail.committedFrames(), JournalSync.PROCESS_CRASH));
		}
		return tail;
	}

	/**
	 * Open the database; one that SQLite cannot read at all is set aside and replaced by
	 * a new one.
	 * @return the store and whether a file was set aside
	 */
	Opened open() {
		Path file = this.directory.resolve(SqliteStore.DATABASE_FILE);
		try {
			return new Opened(SqliteStore.open(file, this.sync, this.customizer), false);
		}
		catch (SQLException ex) {
			if (!SqliteStore.isCorruption(ex)) {
				throw new JournalWriteException("Cannot open the recovery journal " + file + ": " + ex.getMessage(), ex);
			}
			Path aside = setAside();
			logger.warn(LogMessage.format("Recovery journal %s: SQLite cannot read %s (%s); it was set aside as %s "
					+ "and a new journal was started: its entries are lost", this.directory, file, ex.getMessage(), aside));
			try {
				return new Opened(SqliteStore.open(file, this.sync, this.customizer), true);
			}
			catch (SQLException again) {
				throw new JournalWriteException("Cannot create the recovery journal " + file, again);
			}
		}
	}

	/**
	 * Read every entry in sequence order. Records that do not decode are deleted; a
	 * database that turns out damaged is salvaged into a new one.
	 * @param store the open store
	 * @param damaged whether reading the store already failed with a corruption error
	 * @return the entries, and the store to use from now on
	 * @throws SQLException if the store cannot be read for another reason than damage
	 */
	Recovered recover(SqliteStore store, boolean damaged) throws SQLException {
		if (damaged) {
			return salvage(store, "reported when the journal opened");
		}
		try {
			return readAll(store);
		}
		catch (SQLException ex) {
			if (!SqliteStore.isCorruption(ex)) {
				throw ex;
			}
			return salvage(store, ex.getMessage());
		}
	}

	private Recovered readAll(SqliteStore store) throws SQLException {
		List<JournalEntry> result = new ArrayList<>();
		List<Long> corrupt = new ArrayList<>();
		store.scan(Long.MIN_VALUE, false, (sequence, payload) -> {
			JournalEntry entry = decode(sequence, payload);
			if (entry != null) {
				result.add(entry);
			}
			else {
				corrupt.add(sequence);
			}
			return true;
		});
		if (!corrupt.isEmpty()) {
			store.delete(corrupt);
			logger.warn(LogMessage.format("Recovery journal %s: %d records did not decode and were deleted "
					+ "(sequences %s%s); their writes are lost", this.directory, corrupt.size(),
					corrupt.subList(0, Math.min(20, corrupt.size())), (corrupt.size() > 20) ? ", ..." : ""));
		}
		SqliteStore.Totals totals = store.totals();
		Long oldest = store.oldestCreated();
		store.commit();
		return new Recovered(store, result, corrupt.size(), totals, oldest);
	}

	/**
	 * Read what SQLite can still read of a damaged database, from both ends, then set the
	 * file aside and journal the saved entries in a new one.
	 */
	private Recovered salvage(SqliteStore damaged, String damage) throws SQLException {
		List<Row> rows = new ArrayList<>();
		long[] corrupt = new long[1];
		String forwardError = null;
		try {
			damaged.scan(Long.MIN_VALUE, false, collect(rows, corrupt));
		}
		catch (SQLException ex) {
			forwardError = ex.getMessage();
		}
		int before = rows.size();
		if (forwardError != null) {
			long after = rows.isEmpty() ? Long.MIN_VALUE : rows.get(rows.size() - 1).sequence();
			List<Row> tail = new ArrayList<>();
			try {
				damaged.scan(after, true, collect(tail, corrupt));
			}
			catch (SQLException ex) {
				// what was read from the end is kept
			}
			for (int i = tail.size() - 1; i >= 0; i--) {
				rows.add(tail.get(i));
			}
		}
		damaged.rollback();
		damaged.close();
		Path aside = setAside();
		SqliteStore store = SqliteStore.open(this.directory.resolve(SqliteStore.DATABASE_FILE), this.sync,
				this.customizer);
		long[] sequences = new long[rows.size()];
		long[] created = new long[rows.size()];
		byte[][] payloads = new byte[rows.size()][];
		List<JournalEntry> result = new ArrayList<>(rows.size());
		for (int i = 0; i < rows.size(); i++) {
			JournalEntry entry = rows.get(i).entry();
			result.add(entry);
			sequences[i] = entry.sequence();
			created[i] = entry.createdEpochMillis();
			payloads[i] = rows.get(i).payload();
		}
		if (!rows.isEmpty()) {
			store.insert(sequences, created, payloads, rows.size());
		}
		SqliteStore.Totals totals = store.totals();
		Long oldest = store.oldestCreated();
		store.commit();
		logger.warn(LogMessage.format("Recovery journal %s: the database is damaged (%s); %d entries were saved "
				+ "(%d before the damage, %d after it), %d records did not decode; entries in unreadable pages are lost. "
				+ "The damaged file was set aside as %s", this.directory, (forwardError != null) ? forwardError : damage,
				rows.size(), before, rows.size() - before, corrupt[0], aside));
		// the number of entries in unreadable pages is unknown: count the damage at least once
		return new Recovered(store, result, Math.max(1, corrupt[0]), totals, oldest);
	}

	private SqliteStore.RowHandler collect(List<Row> rows, long[] corrupt) {
		return (sequence, payload) -> {
			JournalEntry entry = decode(sequence, payload);
			if (entry != null) {
				rows.add(new Row(entry, payload));
			}
			else {
				corrupt[0]++;
			}
			return true;
		};
	}

	@Nullable
	private JournalEntry decode(long sequence, byte[] payload) {
		try {
			JournalEntry entry = JournalCodec.decode(payload);
			if (entry.sequence() != sequence) {
				throw new JournalCodec.CorruptRecordException("row " + sequence + " holds sequence " + entry.sequence());
			}
			return entry;
		}
		catch (JournalCodec.CorruptRecordException ex) {
			logger.debug(LogMessage.format("Recovery journal %s: record %d is corrupt: %s", this.directory, sequence,
					ex.getMessage()));
			return null;
		}
	}

	private Path setAside() {
		String suffix = ".damaged-" + System.currentTimeMillis();
		try {
			for (String name : List.of(SqliteStore.DATABASE_FILE, SqliteStore.WAL_FILE,
					SqliteStore.DATABASE_FILE + "-shm")) {
				Path file = this.directory.resolve(name);
				if (Files.exists(file)) {
					Files.move(file, this.directory.resolve(name + suffix), StandardCopyOption.ATOMIC_MOVE);
				}
			}
		}
		catch (IOException ex) {
			throw new JournalWriteException(
					"Cannot set the damaged recovery journal " + this.directory.resolve(SqliteStore.DATABASE_FILE) + " aside",
					ex);
		}
		return this.directory.resolve(SqliteStore.DATABASE_FILE + suffix);
	}

	private static int pageSize(Path database) {
		try (InputStream in = Files.newInputStream(database)) {
			byte[] header = in.readNBytes(18);
			if (header.length == 18) {
				int size = ((header[16] & 0xFF) << 8) | (header[17] & 0xFF);
				return (size == 1) ? 65536 : (size >= 512) ? size : 4096;
			}
		}
		catch (IOException ex) {
			// no database yet: SQLite's default page size
		}
		return 4096;
	}

	/**
	 * An opened store.
	 *
	 * @param store the store
	 * @param setAside whether a file SQLite could not read was set aside
	 */
	record Opened(SqliteStore store, boolean setAside) {

	}

	/**
	 * What {@link #recover} read.
	 *
	 * @param store the store to use from now on (a new one after a salvage)
	 * @param entries the entries, in sequence order
	 * @param corruptRecords records that did not decode, at least 1 after a salvage
	 * @param totals rows and bytes in the store now
	 * @param oldestCreated creation time of the first entry, or {@code null}
	 */
	record Recovered(SqliteStore store, List<JournalEntry> entries, long corruptRecords, SqliteStore.Totals totals,
			@Nullable Long oldestCreated) {

	}

	private record Row(JournalEntry entry, byte[] payload) {

		long sequence() {
			return this.entry.sequence();
		}

	}

}
