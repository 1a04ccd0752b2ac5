package io.github.agentmemory.redis.recovery.journal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.github.agentmemory.redis.recovery.journal.JournalTestEntries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link SqliteRecoveryJournal} in one JVM: appends, removals, recovery,
 * capacity, write failures, statistics and closing.
 */
class JournalAppendRecoverTests {

	@TempDir
	Path directory;

	@Test
	void entriesSurviveAReopenInSequenceOrder() {
		try (SqliteRecoveryJournal journal = open(settings())) {
			assertThat(journal.recover()).isEmpty();
			List<CompletableFuture<Void>> appends = new ArrayList<>();
			for (long sequence : new long[] { 5, 1, 3, 2, 4, 0, 6 }) {
				appends.add(journal.append(entry(sequence)));
			}
			CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).join();
		}
		try (SqliteRecoveryJournal journal = open(settings())) {
			assertThat(journal.recover()).containsExactlyElementsOf(LongStream.rangeClosed(0, 6)
				.mapToObj(JournalTestEntries::entry)
				.toList());
			assertThat(journal.stats().recovered()).isEqualTo(7);
		}
	}

	@Test
	void removedEntriesAreNotRecovered() {
		try (SqliteRecoveryJournal journal = open(settings())) {
			journal.recover();
			for (long sequence = 0; sequence < 100; sequence++) {
				journal.append(entry(sequence));
			}
			for (long sequence = 0; sequence < 100; sequence += 2) {
				journal.remove(sequence);
			}
			journal.remove(12_345);
		}
		try (SqliteRecoveryJournal journal = open(settings())) {
			assertThat(journal.recover()).extracting(JournalEntry::sequence)
				.containsExactlyElementsOf(LongStream.range(0, 100).filter((s) -> s % 2 == 1).boxed().toList());
			assertThat(journal.stats().entries()).isEqualTo(50);
		}
	}

	@Test
	void manyConcurrentAppendersAreAllCommittedInFewTransactions() throws Exception {
		int threads = 16;
		int perThread = 2_000;
		try (SqliteRecoveryJournal journal = open(settings())) {
			journal.recover();
			ExecutorService pool = Executors.newFixedThreadPool(threads);
			List<CompletableFuture<Void>> appends = new ArrayList<>();
			List<java.util.concurrent.Future<List<CompletableFuture<Void>>>> submitted = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				long first = (long) t * perThread;
				submitted.add(pool.submit(() -> {
					List<CompletableFuture<Void>> mine = new ArrayList<>();
					for (long s = first; s < first + perThread; s++) {
						mine.add(journal.append(entry(s)));
					}
					return mine;
				}));
			}
			for (var future : submitted) {
				appends.addAll(future.get());
			}
			pool.shutdown();
			assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
			CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
			assertThat(journal.stats().entries()).isEqualTo((long) threads * perThread);
		}
		try (SqliteRecoveryJournal journal = open(settings())) {
			assertThat(journal.recover()).hasSize(threads * perThread);
		}
	}

	@Test
	void aFullJournalRefusesAppendsAndKeepsWhatItHolds() {
		JournalSettings settings = settings().mutate().maxEntries(100).build();
		try (SqliteRecoveryJournal journal = open(settings)) {
			journal.recover();
			List<CompletableFuture<Void>> appends = new ArrayList<>();
			for (long sequence = 0; sequence < 150; sequence++) {
				appends.add(journal.append(entry(sequence)));
			}
			assertThat(appends.subList(0, 100)).allSatisfy((append) -> assertThat(append.join()).isNull());
			assertThat(appends.subList(100, 150)).allSatisfy((append) -> assertThat(append)
				.failsWithin(Duration.ZERO)
				.withThrowableOfType(java.util.concurrent.ExecutionException.class)
				.havingCause()
				.isInstanceOf(JournalFullException.class)
				.withMessageContaining("is full (100 of 100 entries)"));
			assertThat(journal.stats().fullRejections()).isEqualTo(50);
			journal.remove(0);
			journal.remove(1);
			// capacity is given back when the removal is committed
			await().atMost(Duration.ofSeconds(10)).until(() -> journal.stats().entries() == 98);
			journal.append(entry(200)).join();
			journal.append(entry(201)).join();
			assertFails(journal.append(entry(202)), JournalFullException.class);
			assertThat(journal.stats().fullRejections()).isEqualTo(51);
		}
		try (SqliteRecoveryJournal journal = open(settings)) {
			List<JournalEntry> recovered = journal.recover();
			assertThat(recovered).extracting(JournalEntry::sequence)
				.containsExactlyElementsOf(LongStream.concat(LongStream.range(2, 100), LongStream.of(200, 201))
					.boxed()
					.toList());
		}
	}

	@Test
	void aFullJournalCountsBytesToo() {
		long threeEntries = JournalCodec.encode(entry(0)).length + JournalCodec.encode(entry(7)).length
				+ JournalCodec.encode(entry(14)).length;
		JournalSettings settings = settings().mutate().maxBytes(threeEntries).build();
		try (SqliteRecoveryJournal journal = open(settings)) {
			journal.recover();
			journal.append(entry(0)).join();
			journal.append(entry(7)).join();
			journal.append(entry(14)).join();
			assertFails(journal.append(entry(21)), JournalFullException.class);
			assertThat(journal.stats().bytes()).isEqualTo(threeEntries);
			assertThat(journal.stats().fullRejections()).isEqualTo(1);
		}
	}

	@Test
	void aFullDiskFailsTheAppendsOfTheTransactionWithAWriteException() {
		// a database limited to a few pages fails like a full disk: SQLITE_FULL
		try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(settings(),
				(connection) -> execute(connection, "PRAGMA max_page_count = 4"))) {
			journal.recover();
			List<CompletableFuture<Void>> appends = new ArrayList<>();
			for (long sequence = 0; sequence < 2_000; sequence++) {
				appends.add(journal.append(entry(sequence)));
			}
			CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).exceptionally((ex) -> null).join();
			List<CompletableFuture<Void>> failed = appends.stream().filter(CompletableFuture::isCompletedExceptionally).toList();
			assertThat(failed).isNotEmpty();
			assertThat(failed.get(0)).failsWithin(Duration.ZERO)
				.withThrowableOfType(java.util.concurrent.ExecutionException.class)
				.havingCause()
				.isInstanceOf(JournalWriteException.class)
				.withMessageContaining("the disk or the database is full");
			long committed = appends.size() - failed.size();
			assertThat(journal.stats().writeFailures()).isEqualTo(failed.size());
			assertThat(journal.stats().entries()).isEqualTo(committed);
		}
	}

	@Test
	void aSequenceCanBeJournaledOnlyOnce() {
		try (SqliteRecoveryJournal journal = open(settings())) {
			journal.recover();
			journal.append(entry(1)).join();
			assertThat(journal.append(entry(1))).failsWithin(Duration.ofSeconds(10))
				.withThrowableOfType(java.util.concurrent.ExecutionException.class)
				.havingCause()
				.isInstanceOf(JournalWriteException.class)
				.withMessageContaining("Sequence 1 is already in the recovery journal");
			assertThat(journal.stats().entries()).isEqualTo(1);
			assertThat(journal.append(entry(2))).succeedsWithin(Duration.ofSeconds(10));
		}
	}

	@Test
	void recoverIsCalledOnceAndBeforeAppends() {
		try (SqliteRecoveryJournal journal = open(settings())) {
			journal.append(entry(1)).join();
			assertThatIllegalStateException().isThrownBy(journal::recover)
				.withMessageContaining("before the first append");
		}
		try (SqliteRecoveryJournal journal = open(settings())) {
			journal.recover();
			assertThatIllegalStateException().isThrownBy(journal::recover).withMessageContaining("already called");
		}
	}

	@Test
	void closeCommitsPendingAppendsAndRemovalsAndRefusesLaterOnes() {
		SqliteRecoveryJournal journal = open(settings());
		journal.recover();
		List<CompletableFuture<Void>> appends = new ArrayList<>();
		for (long sequence = 0; sequence < 10_000; sequence++) {
			appends.add(journal.append(entry(sequence)));
		}
		journal.remove(9_999);
		journal.close();
		assertThat(appends).allSatisfy((append) -> assertThat(append).isCompleted().isNotCompletedExceptionally());
		assertThat(journal.append(entry(20_000))).failsWithin(Duration.ZERO)
			.withThrowableOfType(java.util.concurrent.ExecutionException.class)
			.havingCause()
			.isInstanceOf(JournalWriteException.class)
			.withMessageContaining("is closed");
		journal.close();
		assertThat(this.directory.resolve(SqliteStore.WAL_FILE)).as("checkpointed on close").doesNotExist();
		try (SqliteRecoveryJournal reopened = open(settings())) {
			assertThat(reopened.recover()).hasSize(9_999);
		}
	}

	@Test
	void statsShowSizeOldestEntryAndCommitLatency() {
		try (SqliteRecoveryJournal journal = open(settings())) {
			journal.recover();
			JournalStats empty = journal.stats();
			assertThat(empty.entries()).isZero();
			assertThat(empty.oldestEntryCreated()).isNull();
			assertThat(empty.oldestEntryAge(Instant.now())).isZero();
			journal.append(entry(10)).join();
			journal.append(entry(11)).join();
			JournalStats two = journal.stats();
			assertThat(two.entries()).isEqualTo(2);
			assertThat(two.bytes())
				.isEqualTo(JournalCodec.encode(entry(10)).length + JournalCodec.encode(entry(11)).length);
			assertThat(two.oldestEntryCreated()).isEqualTo(Instant.ofEpochMilli(entry(10).createdEpochMillis()));
			assertThat(two.lastCommitLatency()).isPositive();
			assertThat(two.averageCommitLatency()).isPositive();
			journal.remove(10);
			journal.append(entry(12)).join();
			assertThat(journal.stats().oldestEntryCreated())
				.isEqualTo(Instant.ofEpochMilli(entry(11).createdEpochMillis()));
		}
	}

	@Test
	void theJournalKeepsOnlyCommandDataOnDisk() throws Exception {
		try (SqliteRecoveryJournal journal = open(settings())) {
			journal.recover();
			journal.append(entry(0)).join();
		}
		try (Connection connection = DriverManager
			.getConnection("jdbc:sqlite:" + this.directory.resolve(SqliteStore.DATABASE_FILE));
				Statement statement = connection.createStatement();
				ResultSet tables = statement.executeQuery("SELECT name, sql FROM sqlite_schema")) {
			assertThat(tables.next()).isTrue();
			assertThat(tables.getString(1)).isEqualTo("entry");
			assertThat(tables.getString(2)).contains("seq INTEGER PRIMARY KEY", "created", "payload");
			assertThat(tables.next()).isFalse();
		}
	}

	private JournalSettings settings() {
		return JournalSettings.create(this.directory);
	}

	private static SqliteRecoveryJournal open(JournalSettings settings) {
		return new SqliteRecoveryJournal(settings);
	}

	static void execute(Connection connection, String sql) throws java.sql.SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	static void assertFails(CompletableFuture<Void> future, Class<? extends Throwable> type) {
		assertThatExceptionOfType(java.util.concurrent.CompletionException.class).isThrownBy(future::join)
			.havingCause()
			.isInstanceOf(type);
	}

}
