package io.github.agentmemory.redis.recovery.journal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crash tests of {@link SqliteRecoveryJournal}: a child JVM appends and is killed with
 * SIGKILL; this JVM opens the journal it left and recovers it, as is or after damaging
 * the tail of its write-ahead log as a power loss could.
 */
@ExtendWith(OutputCaptureExtension.class)
class JournalCrashTests {

	private static final int FRAME_BYTES = 24 + 4096;

	@TempDir
	Path directory;

	@TempDir
	Path work;

	@Test
	void everyAcknowledgedAppendSurvivesSigkillWithProcessCrashSync() throws Exception {
		everyAcknowledgedAppendSurvivesSigkill(JournalSync.PROCESS_CRASH, 20_000);
	}

	@Test
	void everyAcknowledgedAppendSurvivesSigkillWithPowerLossSync() throws Exception {
		everyAcknowledgedAppendSurvivesSigkill(JournalSync.POWER_LOSS, 2_000);
	}

	private void everyAcknowledgedAppendSurvivesSigkill(JournalSync sync, int acknowledgements) throws Exception {
		List<String> lines;
		try (JournalChildProcess child = JournalChildProcess.start(this.work, "append", this.directory.toString(),
				sync.name(), "256")) {
			child.awaitLine("ACK ", acknowledgements);
			lines = child.kill();
		}
		Set<Long> acknowledged = sequences(lines, "ACK ");
		assertThat(lines).noneMatch((line) -> line.startsWith("FAILED"));
		assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(acknowledgements);
		try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(
				JournalSettings.builder().directory(this.directory).sync(sync).build())) {
			List<JournalEntry> recovered = journal.recover();
			Set<Long> recoveredSequences = recovered.stream().map(JournalEntry::sequence).collect(Collectors.toSet());
			assertThat(recoveredSequences).containsAll(acknowledged);
			assertThat(recovered).allSatisfy((entry) -> assertThat(entry).isEqualTo(JournalTestEntries.entry(entry.sequence())));
			// SQLite writes a frame's header and page with two calls: the kill may fall between
			// them and leave the frame it was writing torn, never more
			assertThat(journal.stats().tornTailFrames()).as("the frame being written when killed").isLessThanOrEqualTo(1);
			assertThat(journal.stats().corruptRecords()).isZero();
		}
	}

	@Test
	void aTruncatedLogTailLosesOnlyTheLastCommitsAndIsReported(CapturedOutput output) throws Exception {
		int acknowledged = crashAfterSingleEntryCommits();
		Path wal = this.directory.resolve(SqliteStore.WAL_FILE);
		long size = Files.size(wal);
		try (FileChannel channel = FileChannel.open(wal, StandardOpenOption.WRITE)) {
			channel.truncate(size - 1000);
		}
		assertRecoversAPrefixAndReportsTheTail(acknowledged, output, "the last frame is incomplete");
	}

	@Test
	void aGarbledLogTailLosesOnlyTheLastCommitsAndIsReported(CapturedOutput output) throws Exception {
		int acknowledged = crashAfterSingleEntryCommits();
		Path wal = this.directory.resolve(SqliteStore.WAL_FILE);
		long size = Files.size(wal);
		try (RandomAccessFile file = new RandomAccessFile(wal.toFile(), "rw")) {
			file.seek(frameOffset((size - 32) / FRAME_BYTES - 1) + 24 + 2000);
			file.write(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
		}
		assertRecoversAPrefixAndReportsTheTail(acknowledged, output, "has a wrong checksum");
	}

	@Test
	void aKillBetweenAFramesHeaderAndItsPageLosesNothingAndCountsOneTornFrame(CapturedOutput output) throws Exception {
		int acknowledged = crashAfterSingleEntryCommits();
		Path wal = this.directory.resolve(SqliteStore.WAL_FILE);
		long size = Files.size(wal);
		// SQLite's first write of a frame: its header, here a copy of the last commit's
		byte[] header = new byte[24];
		try (RandomAccessFile file = new RandomAccessFile(wal.toFile(), "rw")) {
			file.seek(size - FRAME_BYTES);
			file.readFully(header);
			file.seek(size);
			file.write(header);
		}
		try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(JournalSettings.create(this.directory))) {
			assertThat(journal.recover()).hasSize(acknowledged);
			assertThat(journal.stats().tornTailFrames()).isOne();
			assertThat(output).contains("the last frame is incomplete, 24 of " + FRAME_BYTES + " bytes",
					"a single torn frame is that write, which was never acknowledged");
		}
	}

	@Test
	void framesLeftOverFromBeforeTheLogRestartedAreNotCountedAsTorn() throws Exception {
		int acknowledged = crashAfterSingleEntryCommits();
		Path wal = this.directory.resolve(SqliteStore.WAL_FILE);
		long frames = (Files.size(wal) - 32) / FRAME_BYTES;
		long torn = frames - 10;
		try (RandomAccessFile file = new RandomAccessFile(wal.toFile(), "rw")) {
			// a restarted log: a new header over an old page, then the old log's frames
			file.seek(frameOffset(torn) + 24 + 2000);
			file.write(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
			for (long frame = torn + 1; frame < frames; frame++) {
				file.seek(frameOffset(frame) + 8);
				file.writeInt(file.readInt() - 1);
			}
		}
		try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(JournalSettings.create(this.directory))) {
			assertThat(journal.recover()).hasSizeGreaterThanOrEqualTo(acknowledged - 11);
			assertThat(journal.stats().tornTailFrames()).isOne();
		}
	}

	private static long frameOffset(long frame) {
		return 32 + frame * FRAME_BYTES;
	}

	/**
	 * Append 300 entries one per transaction, so that each commit is its own frame at the
	 * end of the log, and SIGKILL the child once all are acknowledged: the log stays as
	 * its last commit left it, with no frame half-written by the kill and too few frames
	 * for SQLite to have checkpointed and restarted it (at 1000 pages).
	 */
	private int crashAfterSingleEntryCommits() throws Exception {
		List<String> lines;
		try (JournalChildProcess child = JournalChildProcess.start(this.work, "append", this.directory.toString(),
				JournalSync.PROCESS_CRASH.name(), "1", "300")) {
			child.awaitLine("IDLE", 1);
			lines = child.kill();
		}
		Path wal = this.directory.resolve(SqliteStore.WAL_FILE);
		assertThat(wal).as("left by the crash").exists();
		assertThat((Files.size(wal) - 32) % FRAME_BYTES).as("whole frames").isZero();
		return sequences(lines, "ACK ").size();
	}

	private void assertRecoversAPrefixAndReportsTheTail(int acknowledged, CapturedOutput output, String problem)
			throws IOException {
		try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(JournalSettings.create(this.directory))) {
			List<JournalEntry> recovered = journal.recover();
			List<Long> sequences = recovered.stream().map(JournalEntry::sequence).toList();
			assertThat(sequences).as("a prefix of the appends, nothing after a gap")
				.containsExactlyElementsOf(java.util.stream.LongStream.range(0, sequences.size()).boxed().toList());
			assertThat(sequences.size()).as("only the last commits are lost")
				.isLessThan(acknowledged)
				.isGreaterThanOrEqualTo(acknowledged - 5);
			assertThat(journal.stats().tornTailFrames()).isPositive();
			assertThat(output).contains("the write-ahead log has a torn or corrupt tail: ", problem);
			assertThat(journal.append(JournalTestEntries.entry(100_000))).succeedsWithin(java.time.Duration.ofSeconds(10));
		}
	}

	private static Set<Long> sequences(List<String> lines, String prefix) {
		return lines.stream()
			.filter((line) -> line.startsWith(prefix))
			.map((line) -> Long.parseLong(line.substring(prefix.length()).trim()))
			.collect(Collectors.toSet());
	}

}
