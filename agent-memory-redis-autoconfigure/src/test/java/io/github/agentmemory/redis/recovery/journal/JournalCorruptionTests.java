package io.github.agentmemory.redis.recovery.journal;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static io.github.agentmemory.redis.recovery.journal.JournalTestEntries.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SqliteRecoveryJournal#recover()} on damaged journals: a record that
 * does not decode, a damaged page of the database file, a file that is not a database.
 */
@ExtendWith(OutputCaptureExtension.class)
class JournalCorruptionTests {

	@TempDir
	Path directory;

	@Test
	void aRecordThatDoesNotDecodeIsSkippedCountedAndDeleted(CapturedOutput output) throws Exception {
		journal(100);
		try (Connection connection = DriverManager
			.getConnection("jdbc:sqlite:" + this.directory.resolve(SqliteStore.DATABASE_FILE));
				PreparedStatement update = connection.prepareStatement("UPDATE entry SET payload = ? WHERE seq = ?")) {
			update.setBytes(1, new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 42, 0x7f, 0x13, 0x37, 0, 1, 2, 3, 4, 5, 6, 7 });
			update.setLong(2, 42);
			update.executeUpdate();
			update.setBytes(1, JournalCodec.encode(entry(7)));
			update.setLong(2, 43);
			update.executeUpdate();
		}
		try (SqliteRecoveryJournal journal = open()) {
			List<JournalEntry> recovered = journal.recover();
			assertThat(recovered).extracting(JournalEntry::sequence).hasSize(98).doesNotContain(42L, 43L);
			assertThat(recovered).allSatisfy((entry) -> assertThat(entry).isEqualTo(entry(entry.sequence())));
			assertThat(journal.stats().corruptRecords()).isEqualTo(2);
			assertThat(journal.stats().recovered()).isEqualTo(98);
			assertThat(journal.stats().entries()).isEqualTo(98);
			assertThat(output).contains("2 records did not decode and were deleted (sequences [42, 43])");
		}
		try (SqliteRecoveryJournal journal = open()) {
			assertThat(journal.recover()).hasSize(98);
			assertThat(journal.stats().corruptRecords()).isZero();
		}
	}

	@Test
	void aDamagedPageLosesOnlyItsEntriesAndTheFileIsSetAside(CapturedOutput output) throws Exception {
		int count = 5_000;
		journal(count);
		Path database = this.directory.resolve(SqliteStore.DATABASE_FILE);
		long pages = Files.size(database) / 4096;
		try (RandomAccessFile file = new RandomAccessFile(database.toFile(), "rw")) {
			byte[] garbage = new byte[4096];
			new Random(7).nextBytes(garbage);
			file.seek((pages / 2) * 4096);
			file.write(garbage);
		}
		List<JournalEntry> recovered;
		try (SqliteRecoveryJournal journal = open()) {
			recovered = journal.recover();
			assertThat(recovered).allSatisfy((entry) -> assertThat(entry).isEqualTo(entry(entry.sequence())));
			assertThat(recovered).extracting(JournalEntry::sequence).isSorted().doesNotHaveDuplicates();
			assertThat(recovered.size()).as("one page of about 90 entries is lost").isBetween(count - 200, count - 1);
			assertThat(journal.stats().corruptRecords()).isPositive();
			assertThat(journal.append(entry(count))).succeedsWithin(Duration.ofSeconds(10));
		}
		assertThat(output).contains("the database is damaged", "The damaged file was set aside as");
		try (Stream<Path> files = Files.list(this.directory)) {
			assertThat(files.map((file) -> file.getFileName().toString()))
				.anyMatch((name) -> name.startsWith(SqliteStore.DATABASE_FILE + ".damaged-"));
		}
		try (SqliteRecoveryJournal journal = open()) {
			assertThat(journal.recover()).hasSize(recovered.size() + 1);
		}
	}

	@Test
	void aFileThatIsNotADatabaseIsSetAsideAndANewJournalStarts(CapturedOutput output) throws Exception {
		journal(10);
		Path database = this.directory.resolve(SqliteStore.DATABASE_FILE);
		try (RandomAccessFile file = new RandomAccessFile(database.toFile(), "rw")) {
			file.write(new byte[100]);
		}
		try (SqliteRecoveryJournal journal = open()) {
			assertThat(journal.recover()).isEmpty();
			assertThat(journal.stats().corruptRecords()).isEqualTo(1);
			assertThat(journal.append(entry(1))).succeedsWithin(Duration.ofSeconds(10));
		}
		assertThat(output).contains("SQLite cannot read", "it was set aside as");
	}

	private void journal(int count) {
		try (SqliteRecoveryJournal journal = open()) {
			journal.recover();
			List<CompletableFuture<Void>> appends = new ArrayList<>();
			for (long sequence = 0; sequence < count; sequence++) {
				appends.add(journal.append(entry(sequence)));
			}
			CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).join();
		}
	}

	private SqliteRecoveryJournal open() {
		return new SqliteRecoveryJournal(JournalSettings.create(this.directory));
	}

}
