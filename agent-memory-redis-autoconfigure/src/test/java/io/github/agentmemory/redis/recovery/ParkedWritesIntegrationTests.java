package io.github.agentmemory.redis.recovery;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.command.ZAddOptions;
import io.github.agentmemory.redis.recovery.journal.JournalSettings;
import io.github.agentmemory.redis.recovery.journal.SqliteRecoveryJournal;
import io.github.agentmemory.redis.resilience.RedisCircuitOpenException;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Journaled queued writes parked in the journal ({@link ParkedWrites}), with a real
 * {@link SqliteRecoveryJournal} and a fake Redis that refuses writes while "down" and
 * applies them, in the order sent, when "up": they leave the heap once committed, are
 * loaded back and applied in key order, keep the give-up order, complete their
 * settlements with their writes, and are handed over at shutdown.
 */
class ParkedWritesIntegrationTests {

	@TempDir
	Path directory;

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	private final RecoveryCounters counters = new RecoveryCounters();

	private final FakeRedis redis = new FakeRedis();

	private SqliteRecoveryJournal journal;

	@BeforeEach
	void openJournal() {
		this.journal = new SqliteRecoveryJournal(JournalSettings.create(this.directory));
		this.journal.recover();
	}

	@AfterEach
	void close() {
		this.scheduler.shutdownNow();
		this.journal.close();
	}

	@Test
	void journaledQueuedWritesAreParkedAndReplayedInKeyOrderWithTheirSettlements() {
		RecoveryQueue queue = new RecoveryQueue(1_000, this.counters);
		WriteSequencer sequencer = sequencer(queue);
		List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>();
		for (int i = 0; i < 300; i++) {
			// three hot keys and distinct ones, mixed priorities
			String key = (i % 2 == 0) ? "hot-" + (i % 3) : "k-" + i;
			Priority priority = (i % 5 == 0) ? Priority.HIGH : Priority.NORMAL;
			outcomes.add(sequencer.write(RedisWrite.set(key, "v" + i), priority, null));
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.stream().allMatch(CompletableFuture::isDone));
		assertThat(outcomes).allSatisfy((outcome) -> assertThat(outcome.join().status()).isEqualTo(Status.QUEUED));
		assertThat(queue.parkedSize()).as("all parked: nothing of them in memory").isEqualTo(300);
		assertThat(queue.size()).isEqualTo(300);
		this.redis.up = true;
		while (queue.size() > 0) {
			sequencer.loadParked(50).join();
			for (String key : queue.keysToReplay(50)) {
				sequencer.replay(key, false);
			}
		}
		await().atMost(Duration.ofSeconds(10))
			.until(() -> outcomes.stream().allMatch((outcome) -> outcome.join().settlement().isDone()));
		for (int i = 0; i < 300; i++) {
			WriteOutcome end = outcomes.get(i).join().settlement().join();
			assertThat(end.status()).isEqualTo(Status.APPLIED);
			assertThat(end.write()).isEqualTo(outcomes.get(i).join().write());
		}
		assertThat(this.redis.applied).as("each write once").hasSize(300);
		for (String key : List.of("hot-0", "hot-1", "hot-2")) {
			List<String> values = this.redis.applied.stream()
				.filter((write) -> write.key().equals(key))
				.map((write) -> ((RedisWrite.Set) write).value())
				.toList();
			List<Integer> order = values.stream().map((value) -> Integer.parseInt(value.substring(1))).toList();
			assertThat(order).as("key order of %s", key).isSorted();
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> this.journal.stats().entries() == 0);
	}

	@Test
	void aNewWriteToAKeyWithParkedWritesWaitsBehindThem() {
		RecoveryQueue queue = new RecoveryQueue(100, this.counters);
		WriteSequencer sequencer = sequencer(queue);
		CompletableFuture<WriteOutcome> parked = sequencer.write(RedisWrite.set("k", "old"), Priority.NORMAL, null);
		await().atMost(Duration.ofSeconds(10)).until(parked::isDone);
		assertThat(queue.parkedSize()).isEqualTo(1);
		this.redis.up = true;
		CompletableFuture<Object> call = sequencer.write(RedisWrite.set("k", "new"));
		assertThat(this.redis.applied).as("not sent before the parked write").isEmpty();
		sequencer.loadParked(10).join();
		sequencer.replay("k", false);
		await().atMost(Duration.ofSeconds(10)).until(call::isDone);
		assertThat(this.redis.applied).extracting((write) -> ((RedisWrite.Set) write).value())
			.containsExactly("old", "new");
	}

	@Test
	void journaledHighWritesAreReplayedBeforeOlderNormalOnesOfOtherKeysButAfterTheOlderWritesOfTheirKey() {
		RecoveryQueue queue = new RecoveryQueue(100, this.counters);
		WriteSequencer sequencer = sequencer(queue);
		List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			outcomes.add(sequencer.write(RedisWrite.set("n" + i, "normal"), Priority.NORMAL, null));
		}
		outcomes.add(sequencer.write(RedisWrite.set("k", "1"), Priority.NORMAL, null));
		for (int i = 0; i < 3; i++) {
			outcomes.add(sequencer.write(RedisWrite.set("h" + i, "high"), Priority.HIGH, null));
		}
		outcomes.add(sequencer.write(RedisWrite.set("k", "2"), Priority.HIGH, null));
		await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.stream().allMatch(CompletableFuture::isDone));
		assertThat(queue.parkedSize()).as("all journaled and parked").isEqualTo(11);
		this.redis.up = true;
		// rounds of 2, loading 8 at a time: the HIGH writes, the older write of k, two NORMAL ones
		while (queue.size() > 0) {
			sequencer.loadParked(2).join();
			for (String key : queue.keysToReplay(2)) {
				sequencer.replay(key, false);
			}
		}
		List<String> applied = this.redis.applied.stream()
			.map((write) -> write.key() + "=" + ((RedisWrite.Set) write).value())
			.toList();
		assertThat(applied.subList(0, 5)).as("the HIGH writes first, k's older NORMAL write just before its HIGH one")
			.containsExactlyInAnyOrder("h0=high", "h1=high", "h2=high", "k=1", "k=2");
		assertThat(applied.indexOf("k=1")).isLessThan(applied.indexOf("k=2"));
		assertThat(applied).hasSize(11);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.journal.stats().entries() == 0);
	}

	@Test
	void aWriteThatIsNotIdempotentStaysInMemoryAndIsReplayedAfterTheJournaledWritesOfItsKey() {
		RecoveryQueue queue = new RecoveryQueue(100, this.counters);
		WriteSequencer sequencer = sequencer(queue);
		CompletableFuture<WriteOutcome> journaled = sequencer.write(RedisWrite.zadd("z", Map.of("m", 1.0),
				ZAddOptions.none()), Priority.NORMAL, null);
		await().atMost(Duration.ofSeconds(10)).until(journaled::isDone);
		RedisWrite increment = RedisWrite.zadd("z", Map.of("m", 5.0), ZAddOptions.builder().increment().build());
		CompletableFuture<WriteOutcome> inMemory = sequencer.write(increment, Priority.HIGH, null);
		assertThat(inMemory.join().status()).isEqualTo(Status.QUEUED);
		assertThat(queue.parkedSize()).as("only the journaled write is parked").isOne();
		assertThat(queue.size()).isEqualTo(2);
		this.redis.up = true;
		// the key's write in memory waits for its parked one, even when replayed first
		assertThat(sequencer.replay("z", false)).isNull();
		assertThat(this.redis.applied).isEmpty();
		while (queue.size() > 0) {
			sequencer.loadParked(1).join();
			for (String key : queue.keysToReplay(1)) {
				sequencer.replay(key, false);
			}
		}
		assertThat(this.redis.applied).containsExactly(journaled.join().write(), increment);
		assertThat(inMemory.join().settlement().join().write()).isSameAs(increment);
	}

	@Test
	void aFullQueueEvictsTheOldestParkedWriteOfTheLowestPriorityAndSettlesItWithItsWrite() {
		RecoveryQueue queue = new RecoveryQueue(2, this.counters);
		WriteSequencer sequencer = sequencer(queue);
		CompletableFuture<WriteOutcome> normal = queuedAndSettled(sequencer, "a", Priority.NORMAL);
		CompletableFuture<WriteOutcome> high = queuedAndSettled(sequencer, "b", Priority.HIGH);
		CompletableFuture<WriteOutcome> newer = queuedAndSettled(sequencer, "c", Priority.HIGH);
		assertThat(queue.parkedSize()).isEqualTo(2);
		WriteOutcome evicted = normal.join().settlement().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
		assertThat(evicted.status()).isEqualTo(Status.DROPPED);
		assertThat(evicted.dropReason()).isEqualTo(DropReason.CAPACITY);
		assertThat(evicted.write()).isEqualTo(RedisWrite.set("a", "v"));
		assertThat(high.join().settlement()).isNotDone();
		assertThat(newer.join().settlement()).isNotDone();
		assertThat(queue.stats().dropped()).containsEntry(DropReason.CAPACITY, 1L);
	}

	@Test
	void parkedWritesAreHandedOverAtShutdownAndTakenBackParkedByTheNextStart() {
		RecoveryQueue queue = new RecoveryQueue(100, this.counters);
		WriteSequencer sequencer = sequencer(queue);
		List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			outcomes.add(queuedAndSettled(sequencer, "k" + (i % 4), Priority.NORMAL));
		}
		RecoveryQueue.Victims left = sequencer.close();
		assertThat(left.parked).hasSize(20);
		for (CompletableFuture<WriteOutcome> outcome : outcomes) {
			WriteOutcome end = outcome.join().settlement().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
			assertThat(end.dropReason()).isEqualTo(DropReason.HANDED_OVER);
			assertThat(end.write()).isEqualTo(outcome.join().write());
		}
		this.journal.close();
		this.journal = new SqliteRecoveryJournal(JournalSettings.create(this.directory));
		RecoveryQueue next = new RecoveryQueue(100, new RecoveryCounters());
		WriteSequencer restarted = new WriteSequencer(this.redis, CircuitBreaker.ofDefaults("parked"), this.scheduler,
				new RedisFaultClassifier(), RetryPolicy.create(), next, new RecoveryCounters(), true, 10,
				System::nanoTime, this.journal);
		assertThat(restarted.recover()).isEqualTo(20);
		assertThat(next.parkedSize()).isEqualTo(20);
		this.redis.up = true;
		while (next.size() > 0) {
			restarted.loadParked(7).join();
			for (String key : next.keysToReplay(7)) {
				restarted.replay(key, false);
			}
		}
		assertThat(this.redis.applied).hasSize(20);
	}

	private CompletableFuture<WriteOutcome> queuedAndSettled(WriteSequencer sequencer, String key, Priority priority) {
		CompletableFuture<WriteOutcome> outcome = sequencer.write(RedisWrite.set(key, "v"), priority, null);
		await().atMost(Duration.ofSeconds(10)).until(outcome::isDone);
		return outcome;
	}

	private WriteSequencer sequencer(RecoveryQueue queue) {
		return new WriteSequencer(this.redis, CircuitBreaker.ofDefaults("parked"), this.scheduler,
				new RedisFaultClassifier(), RetryPolicy.create(), queue, this.counters, true, 10, System::nanoTime,
				this.journal);
	}

	/** Refuses every write as an open circuit would while down; applies them while up. */
	static final class FakeRedis implements WriteSender {

		volatile boolean up;

		final ConcurrentLinkedQueue<RedisWrite> applied = new ConcurrentLinkedQueue<>();

		@Override
		public CompletableFuture<Object> send(RedisWrite write) {
			if (!this.up) {
				return CompletableFuture.failedFuture(
						new RedisCircuitOpenException(write.command(), "parked", CircuitBreaker.State.OPEN));
			}
			this.applied.add(write);
			return CompletableFuture.completedFuture("OK");
		}

	}

}
