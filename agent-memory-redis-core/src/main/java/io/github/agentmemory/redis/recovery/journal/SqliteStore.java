package io.github.agentmemory.redis.recovery.journal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The journal's table in a SQLite database in WAL mode, reached through one JDBC
 * connection that only the journal's writer thread uses. Every change is made in a
 * transaction that {@link #commit()} ends.
 *
 * <p>
 * One table, {@code entry(seq INTEGER PRIMARY KEY, created INTEGER, payload BLOB)}: the
 * sequence is SQLite's row id, so rows are stored and read in sequence order without an
 * extra index; {@code payload} is the {@link JournalCodec} form of the entry.
 *
 * @author agent-memory-redis
 */
final class SqliteStore implements AutoCloseable {

	static final String DATABASE_FILE = "journal.db";

	static final String WAL_FILE = DATABASE_FILE + "-wal";

	static final int SCHEMA_VERSION = 1;

	private static final int SQLITE_CORRUPT = 11;

	private static final int SQLITE_NOTADB = 26;

	private static final int SQLITE_FULL = 13;

	private final Connection connection;

	private final PreparedStatement insert;

	private final PreparedStatement measure;

	private final PreparedStatement delete;

	private final PreparedStatement oldest;

	private final PreparedStatement select;

	private SqliteStore(Connection connection) throws SQLException {
		this.connection = connection;
		this.insert = connection.prepareStatement("INSERT OR IGNORE INTO entry (seq, created, payload) VALUES (?, ?, ?)");
		this.measure = connection.prepareStatement(
				"SELECT count(*), total(length(payload)) FROM entry WHERE seq IN (SELECT value FROM json_each(?))");
		this.delete = connection.prepareStatement("DELETE FROM entry WHERE seq IN (SELECT value FROM json_each(?))");
		this.oldest = connection.prepareStatement("SELECT created FROM entry ORDER BY seq LIMIT 1");
		this.select = connection.prepareStatement(
				"SELECT seq, payload FROM entry WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq");
	}

	/**
	 * Open or create the database.
	 * @param file the database file
	 * @param sync the sync policy
	 * @param customizer applied to the connection before the schema is checked
	 * @return the store, in a transaction
	 * @throws SQLException if the database cannot be opened or is not a journal
	 */
	static SqliteStore open(Path file, JournalSync sync, ConnectionCustomizer customizer) throws SQLException {
		Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
		try {
			try (Statement statement = connection.createStatement()) {
				// exclusive before WAL: the WAL index lives in heap memory, no shared-memory file
				statement.execute("PRAGMA locking_mode = EXCLUSIVE");
				try (ResultSet mode = statement.executeQuery("PRAGMA journal_mode = WAL")) {
					String journalMode = mode.next() ? mode.getString(1) : null;
					if (!"wal".equalsIgnoreCase(journalMode)) {
						throw new SQLException("SQLite refused WAL mode for " + file + " (journal_mode=" + journalMode + ")");
					}
				}
				statement.execute("PRAGMA synchronous = " + ((sync == JournalSync.POWER_LOSS) ? "FULL" : "NORMAL"));
				statement.execute("PRAGMA busy_timeout = 5000");
				// after a checkpoint, truncate a log that grew large under a burst
				statement.execute("PRAGMA journal_size_limit = " + (64 * 1024 * 1024));
				customizer.customize(connection);
				int version;
				try (ResultSet userVersion = statement.executeQuery("PRAGMA user_version")) {
					version = userVersion.next() ? userVersion.getInt(1) : 0;
				}
				if (version > SCHEMA_VERSION) {
					throw new SQLException(file + " was written by a newer version of the journal (schema " + version
							+ ", this version reads " + SCHEMA_VERSION + ")");
				}
				connection.setAutoCommit(false);
				statement.execute("CREATE TABLE IF NOT EXISTS entry (seq INTEGER PRIMARY KEY, "
						+ "created INTEGER NOT NULL, payload BLOB NOT NULL)");
				statement.execute("PRAGMA user_version = " + SCHEMA_VERSION);
				connection.commit();
			}
			return new SqliteStore(connection);
		}
		catch (SQLException | RuntimeException ex) {
			closeQuietly(connection);
			throw ex;
		}
	}

	static boolean isCorruption(SQLException ex) {
		int code = ex.getErrorCode() & 0xFF;
		return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
	}

	static boolean isFull(SQLException ex) {
		return (ex.getErrorCode() & 0xFF) == SQLITE_FULL;
	}

	/**
	 * Count the rows and their payload bytes.
	 * @return rows and bytes
	 * @throws SQLException on a read error
	 */
	Totals totals() throws SQLException {
		try (Statement statement = this.connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT count(*), total(length(payload)) FROM entry")) {
			result.next();
			return new Totals(result.getLong(1), (long) result.getDouble(2));
		}
	}

	/**
	 * Insert rows; a row whose sequence exists is left out.
	 * @param sequences the sequences
	 * @param created their creation times
	 * @param payloads their encoded entries
	 * @param count how many of the arrays' elements to insert
	 * @return per row, 1 if inserted, 0 if its sequence existed
	 * @throws SQLException on a write error
	 */
	int[] insert(long[] sequences, long[] created, byte[][] payloads, int count) throws SQLException {
		for (int i = 0; i < count; i++) {
			this.insert.setLong(1, sequences[i]);
			this.insert.setLong(2, created[i]);
			this.insert.setBytes(3, payloads[i]);
			this.insert.addBatch();
		}
		return this.insert.executeBatch();
	}

	/**
	 * Delete rows.
	 * @param sequences the sequences to delete, a missing one is ignored
	 * @param count how many of the array's elements to delete
	 * @return rows and payload bytes deleted
	 * @throws SQLException on a write error
	 */
	Totals delete(long[] sequences, int count) throws SQLException {
		String ids = idList(sequences, count);
		Totals deleted;
		this.measure.setString(1, ids);
		try (ResultSet result = this.measure.executeQuery()) {
			result.next();
			deleted = new Totals(result.getLong(1), (long) result.getDouble(2));
		}
		if (deleted.rows() > 0) {
			this.delete.setString(1, ids);
			this.delete.executeUpdate();
		}
		return deleted;
	}

	/**
	 * Delete rows one by one (for the few corrupt ones found by a scan).
	 * @param sequences the sequences
	 * @throws SQLException on a write error
	 */
	void delete(List<Long> sequences) throws SQLException {
		try (PreparedStatement statement = this.connection.prepareStatement("DELETE FROM entry WHERE seq = ?")) {
			for (long sequence : sequences) {
				statement.setLong(1, sequence);
				statement.addBatch();
			}
			statement.executeBatch();
		}
	}

	/**
	 * The creation time of the row with the lowest sequence.
	 * @return the time in epoch milliseconds, or {@code null} when the table is empty
	 * @throws SQLException on a read error
	 */
	Long oldestCreated() throws SQLException {
		try (ResultSet result = this.oldest.executeQuery()) {
			return result.next() ? result.getLong(1) : null;
		}
	}

	/**
	 * Read all rows in sequence order, or those after a sequence.
	 * @param after read rows with a greater sequence only
	 * @param descending read from the highest sequence down (to reach rows behind a
	 * damaged page)
	 * @param rows receives each row
	 * @throws SQLException on a read error; rows before it were delivered
	 */
	void scan(long after, boolean descending, RowHandler rows) throws SQLException {
		String sql = "SELECT seq, payload FROM entry WHERE seq > ? ORDER BY seq" + (descending ? " DESC" : "");
		try (PreparedStatement statement = this.connection.prepareStatement(sql)) {
			statement.setLong(1, after);
			try (ResultSet result = statement.executeQuery()) {
				while (result.next()) {
					if (!rows.row(result.getLong(1), result.getBytes(2))) {
						return;
					}
				}
			}
		}
	}

	/**
	 * Read the rows of the given sequences, in sequence order; missing ones are left out.
	 * @param sequences the sequences
	 * @param rows receives each row
	 * @throws SQLException on a read error
	 */
	void read(long[] sequences, RowHandler rows) throws SQLException {
		this.select.setString(1, idList(sequences, sequences.length));
		try (ResultSet result = this.select.executeQuery()) {
			while (result.next()) {
				if (!rows.row(result.getLong(1), result.getBytes(2))) {
					return;
				}
			}
		}
	}

	private static String idList(long[] sequences, int count) {
		StringBuilder json = new StringBuilder(count * 8 + 2).append('[');
		for (int i = 0; i < count; i++) {
			if (i > 0) {
				json.append(',');
			}
			json.append(sequences[i]);
		}
		return json.append(']').toString();
	}

	void commit() throws SQLException {
		this.connection.commit();
	}

	void rollback() {
		try {
			this.connection.rollback();
		}
		catch (SQLException ex) {
			// the failed transaction is gone with the connection's next statement
		}
	}

	/**
	 * Close the connection: SQLite checkpoints the log into the database file and deletes
	 * it.
	 */
	@Override
	public void close() {
		closeQuietly(this.connection);
	}

	private static void closeQuietly(Connection connection) {
		try {
			connection.close();
		}
		catch (SQLException ex) {
			// nothing left to release
		}
	}

	/**
	 * Rows and bytes.
	 *
	 * @param rows the row count
	 * @param bytes the payload bytes
	 */
	record Totals(long rows, long bytes) {

	}

	/**
	 * Receives scanned rows.
	 */
	@FunctionalInterface
	interface RowHandler {

		/**
		 * Take one row.
		 * @param sequence the row's sequence
		 * @param payload the row's payload
		 * @return whether to continue
		 */
		boolean row(long sequence, byte[] payload);

	}

	/**
	 * Adjusts the connection after it opened (tests limit the database size with it).
	 */
	@FunctionalInterface
	interface ConnectionCustomizer {

		/**
		 * Adjust the connection.
		 * @param connection the connection
		 * @throws SQLException on an error
		 */
		void customize(Connection connection) throws SQLException;

	}

}
