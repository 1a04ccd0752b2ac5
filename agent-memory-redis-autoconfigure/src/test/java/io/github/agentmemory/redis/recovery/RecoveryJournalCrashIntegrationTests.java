package io.github.agentmemory.redis.recovery;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.github.agentmemory.redis.test.RedisServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static io.github.agentmemory.redis.recovery.JournalCrashApplication.KEYS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The recovery journal across real crashes: a {@link JournalCrashApplication} (Boot's
 * Redis auto-configuration and the starter's, journal on) runs as a child JVM, queues
 * writes while Redis is down and is killed with SIGKILL; Redis comes back and the next
 * start of the application replays what the journal kept.
 *
 * <p>
 * Write i is an HSET of key {@code i % 100} that sets {@code last} to the key's counter
 * {@code i / 100} and a field {@code w<counter>} of its own, so that Redis shows every
 * applied write and the last one; {@code INFO commandstats} counts how many times HSET
 * ran, which shows writes applied twice.
 */
class RecoveryJournalCrashIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	@TempDir
	Path journal;

	@Test
	void everyWriteAnsweredQueuedBeforeASigkillIsAppliedOnceByTheNextStart() throws Exception {
		int writes = 10_000;
		List<Integer> acknowledged = queueDuringOutageAndKill(writes);
		assertThat(acknowledged).hasSize(writes);
		redis.start();
		try (JournalCrashApplicationProcess replay = JournalCrashApplicationProcess.start(0, properties())) {
			Map<String, Long> drained = awaitDrained(replay);
			assertThat(replay.lastValues("STARTED")).containsEntry("recovered", (long) writes)
				.containsEntry("corrupt", 0L);
			assertThat(drained).containsEntry("replayed", (long) writes).containsEntry("dropped", 0L);
		}
		assertAppliedExactly(Set.copyOf(acknowledged));
		assertThat(redis.commandCalls("hset")).as("HSETs run: each write once").isEqualTo(writes);
	}

	@Test
	void aSigkillDuringTheReplayLeavesTheRestToTheNextStartAndRepeatsOnlyWritesNotYetRemoved() throws Exception {
		int writes = 10_000;
		List<Integer> acknowledged = queueDuringOutageAndKill(writes);
		assertThat(acknowledged).hasSize(writes);
		redis.start();
		// one key per replay round: the drain takes seconds, so the kill lands in its middle
		try (JournalCrashApplicationProcess replay = JournalCrashApplicationProcess.start(0,
				properties("agent-memory.redis.recovery.batch-size=1"))) {
			replay.awaitLines("STARTED", 1);
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(10))
				.until(() -> redis.commandCalls("hset") >= 2_000);
			replay.kill();
		}
		long appliedBeforeKill = redis.commandCalls("hset");
		assertThat(appliedBeforeKill).as("killed in the middle of the drain").isBetween(2_000L, writes - 1L);
		long keptForNextStart;
		try (JournalCrashApplicationProcess replay = JournalCrashApplicationProcess.start(0, properties())) {
			Map<String, Long> drained = awaitDrained(replay);
			keptForNextStart = replay.lastValues("STARTED").get("recovered");
			assertThat(drained).containsEntry("replayed", keptForNextStart).containsEntry("dropped", 0L);
		}
		assertAppliedExactly(Set.copyOf(acknowledged));
		long appliedAfterRestart = redis.commandCalls("hset") - appliedBeforeKill;
		assertThat(appliedAfterRestart).as("the third start applies what the journal kept, nothing else")
			.isEqualTo(keptForNextStart);
		long appliedTwice = appliedBeforeKill + keptForNextStart - writes;
		// at least once: the writes applied just before the kill whose removal was not
		// committed yet are applied again; the others were removed from the journal
		assertThat(appliedTwice).as("writes applied twice").isBetween(0L, appliedBeforeKill - 1);
	}

	@Test
	void aTruncatedJournalTailLosesOnlyTheLastCommitAndIsReportedInTheLogAndTheCounts() throws Exception {
		// small transactions, so that a torn last commit loses a handful of writes; few
		// enough of them that SQLite does not checkpoint and restart its log (the log's
		// end is then the last commit)
		int writes = 500;
		List<Integer> acknowledged = queueDuringOutageAndKill(writes, "agent-memory.redis.recovery.journal.max-batch=8");
		assertThat(acknowledged).hasSize(writes);
		Path wal = this.journal.resolve("journal.db-wal");
		assertThat(wal).as("left by the crash").exists();
		try (FileChannel channel = FileChannel.open(wal, StandardOpenOption.WRITE)) {
			channel.truncate(Files.size(wal) - 1000);
		}
		redis.start();
		long recovered;
		try (JournalCrashApplicationProcess replay = JournalCrashApplicationProcess.start(0, properties())) {
			Map<String, Long> drained = awaitDrained(replay);
			Map<String, Long> started = replay.lastValues("STARTED");
			recovered = started.get("recovered");
			assertThat(started.get("corrupt")).as("torn log frames counted").isPositive();
			assertThat(drained).containsEntry("replayed", recovered).containsEntry("dropped", 0L);
			assertThat(replay.lines()).anyMatch((line) -> line.contains("WARN")
					&& line.contains("the write-ahead log has a torn or corrupt tail: the last frame is incomplete"));
		}
		Set<Integer> applied = applied(writes);
		assertThat(applied).hasSize((int) recovered);
		Set<Integer> lost = new TreeSet<>(acknowledged);
		lost.removeAll(applied);
		assertThat(lost).as("the torn last commit is lost").isNotEmpty().hasSizeLessThanOrEqualTo(16);
		assertThat(lost).as("only the last writes are lost").allSatisfy((i) -> assertThat(i).isGreaterThan(writes - 64));
		assertAppliedExactly(applied);
		assertThat(redis.commandCalls("hset")).isEqualTo(recovered);
	}

	@Test
	void aSecondProcessOnTheSameJournalFailsFastWithTheLockMessageAndTheFirstKeepsJournaling() throws Exception {
		redis.stop();
		List<Integer> acknowledged;
		try (JournalCrashApplicationProcess first = JournalCrashApplicationProcess.start(500, properties())) {
			first.awaitLines("DONE", 1);
			try (JournalCrashApplicationProcess second = JournalCrashApplicationProcess.start(0, properties())) {
				assertThat(second.awaitExit()).isNotZero();
				assertThat(second.lines()).anyMatch((line) -> line.contains("Recovery journal directory "
						+ this.journal.toAbsolutePath() + " is in use by another process"));
				assertThat(second.lines()).noneMatch((line) -> line.startsWith("STARTED"));
			}
			first.send("WRITE 500");
			first.awaitLines("DONE", 2);
			assertThat(first.notAcknowledged()).isEmpty();
			acknowledged = first.acknowledged();
			first.kill();
		}
		assertThat(acknowledged).hasSize(1_000);
		redis.start();
		try (JournalCrashApplicationProcess replay = JournalCrashApplicationProcess.start(0, properties())) {
			awaitDrained(replay);
			assertThat(replay.lastValues("STARTED")).containsEntry("recovered", 1_000L);
		}
		assertAppliedExactly(Set.copyOf(acknowledged));
	}

	@Test
	void aFullJournalDropsWritesAsJournalFullCountsThemAndLosesNoAcknowledgedOne() throws Exception {
		redis.stop();
		List<Integer> acknowledged;
		try (JournalCrashApplicationProcess writer = JournalCrashApplicationProcess.start(600,
				properties("agent-memory.redis.recovery.journal.max-entries=300"))) {
			writer.awaitLines("DONE", 1);
			acknowledged = writer.acknowledged();
			List<String> refused = writer.notAcknowledged();
			assertThat(acknowledged).hasSize(300);
			assertThat(refused).hasSize(300).allSatisfy((line) -> assertThat(line).endsWith(" DROPPED JOURNAL_FULL"));
			Map<String, Long> status = writer.awaitStatus((values) -> !values.isEmpty());
			assertThat(status).containsEntry("full", 300L).containsEntry("fullRejections", 300L);
			writer.kill();
		}
		redis.start();
		try (JournalCrashApplicationProcess replay = JournalCrashApplicationProcess.start(0, properties())) {
			awaitDrained(replay);
			assertThat(replay.lastValues("STARTED")).containsEntry("recovered", 300L);
		}
		assertAppliedExactly(Set.copyOf(acknowledged));
		assertThat(redis.commandCalls("hset")).isEqualTo(300);
	}

	/**
	 * Stop Redis, start the application, let it queue the writes, kill it with SIGKILL
	 * once all are answered.
	 * @return the writes answered QUEUED
	 */
	private List<Integer> queueDuringOutageAndKill(int writes, String... properties) throws Exception {
		redis.stop();
		try (JournalCrashApplicationProcess writer = JournalCrashApplicationProcess.start(writes,
				properties(properties))) {
			writer.awaitLines("DONE", 1);
			assertThat(writer.notAcknowledged()).isEmpty();
			writer.kill();
			return writer.acknowledged();
		}
	}

	private static Map<String, Long> awaitDrained(JournalCrashApplicationProcess application) {
		return application.awaitStatus((values) -> values.getOrDefault("journal", -1L) == 0
				&& values.getOrDefault("queue", -1L) == 0);
	}

	private List<String> properties(String... extra) {
		List<String> properties = new ArrayList<>(List.of(redis.springProperties()));
		// a long command timeout: a replayed HSET answered late on a loaded machine would be
		// sent again (at least once, as it should) and break the exact HSET counts
		properties.addAll(List.of("spring.data.redis.timeout=10s", "spring.data.redis.connect-timeout=500ms",
				"agent-memory.redis.circuit-breaker.failure-threshold=1",
				"agent-memory.redis.circuit-breaker.wait-duration-in-open-state=60s",
				"agent-memory.redis.fail-fast.max-reconnect-delay=100ms",
				"agent-memory.redis.recovery.poll-interval=50ms", "agent-memory.redis.recovery.capacity=50000",
				"agent-memory.redis.recovery.max-attempts=100", "agent-memory.redis.recovery.shutdown-timeout=200ms",
				"agent-memory.redis.recovery.journal.enabled=true",
				"agent-memory.redis.recovery.journal.path=" + this.journal));
		properties.addAll(List.of(extra));
		return properties;
	}

	/** The writes whose fields are in Redis. */
	private static Set<Integer> applied(int writes) {
		Set<Integer> applied = new TreeSet<>();
		for (int k = 0; k < KEYS; k++) {
			for (String field : redis.admin().hgetall(JournalCrashApplication.key(k)).keySet()) {
				if (field.startsWith("w")) {
					applied.add(Integer.parseInt(field.substring(1)) * KEYS + k);
				}
			}
		}
		assertThat(applied).allSatisfy((i) -> assertThat(i).isLessThan(writes));
		return applied;
	}

	/**
	 * Every key holds exactly the fields of the given writes, and its {@code last} is the
	 * counter of the last of them.
	 */
	private static void assertAppliedExactly(Set<Integer> writes) {
		Map<Integer, List<Integer>> counters = new HashMap<>();
		for (int i : writes) {
			counters.computeIfAbsent(i % KEYS, (k) -> new ArrayList<>()).add(i / KEYS);
		}
		for (int k = 0; k < KEYS; k++) {
			Map<String, String> hash = redis.admin().hgetall(JournalCrashApplication.key(k));
			List<Integer> expected = counters.getOrDefault(k, List.of());
			Set<String> fields = expected.stream().map((c) -> "w" + c).collect(Collectors.toCollection(TreeSet::new));
			if (!expected.isEmpty()) {
				fields.add("last");
			}
			assertThat(hash.keySet()).as("fields of key %d", k).containsExactlyInAnyOrderElementsOf(fields);
			if (!expected.isEmpty()) {
				assertThat(hash.get("last")).as("last write to key %d", k)
					.isEqualTo(String.valueOf(expected.stream().mapToInt(Integer::intValue).max().getAsInt()));
			}
		}
	}

}
