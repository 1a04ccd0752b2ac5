package io.github.agentmemory.redis.recovery.journal;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for the directory lock of {@link SqliteRecoveryJournal}: one journal per
 * directory, in this JVM and across processes.
 */
class JournalLockTests {

	@TempDir
	Path directory;

	@TempDir
	Path work;

	@Test
	void aSecondJournalInThisJvmIsRefusedUntilTheFirstIsClosed() {
		JournalSettings settings = JournalSettings.create(this.directory);
		try (SqliteRecoveryJournal first = new SqliteRecoveryJournal(settings)) {
			assertThatExceptionOfType(JournalLockedException.class).isThrownBy(() -> new SqliteRecoveryJournal(settings))
				.withMessageContaining(this.directory.toString())
				.withMessageContaining("already open in this process")
				.satisfies((ex) -> assertThat(ex.getDirectory()).isEqualTo(this.directory.toAbsolutePath()));
			assertThat(first.append(JournalTestEntries.entry(1))).succeedsWithin(java.time.Duration.ofSeconds(10));
		}
		try (SqliteRecoveryJournal again = new SqliteRecoveryJournal(settings)) {
			assertThat(again.recover()).hasSize(1);
		}
	}

	@Test
	void aJournalHeldByAnotherProcessIsRefusedWithTheDirectoryInTheMessage() throws Exception {
		try (JournalChildProcess child = JournalChildProcess.start(this.work, "hold", this.directory.toString())) {
			child.awaitLine("OPEN", 1);
			assertThatExceptionOfType(JournalLockedException.class)
				.isThrownBy(() -> new SqliteRecoveryJournal(JournalSettings.create(this.directory)))
				.withMessageContaining("Recovery journal directory " + this.directory.toAbsolutePath())
				.withMessageContaining("in use by another process");
			child.closeInput();
			assertThat(child.waitFor()).isZero();
		}
		try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(JournalSettings.create(this.directory))) {
			assertThat(journal.recover()).isEmpty();
		}
	}

	@Test
	void anotherProcessFailsFastOnAJournalHeldHere() throws Exception {
		try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(JournalSettings.create(this.directory));
				JournalChildProcess child = JournalChildProcess.start(this.work, "hold", this.directory.toString())) {
			assertThat(child.waitFor()).isNotZero();
			assertThat(child.errors()).contains(JournalLockedException.class.getName(), "in use by another process",
					this.directory.toAbsolutePath().toString());
			assertThat(child.lines()).doesNotContain("OPEN");
		}
	}

}
