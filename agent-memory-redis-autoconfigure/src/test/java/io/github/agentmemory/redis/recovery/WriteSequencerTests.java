package io.github.agentmemory.redis.recovery;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.recovery.WritePathFixture.Send;
import io.github.agentmemory.redis.resilience.AmbiguousWriteException;
import io.github.agentmemory.redis.resilience.RedisCircuitOpenException;
import org.junit.jupiter.api.Test;

import org.springframework.dao.TransientDataAccessResourceException;

import static io.github.agentmemory.redis.recovery.WritePathFixture.notConnected;
import static io.github.agentmemory.redis.recovery.WritePathFixture.outOfMemory;
import static io.github.agentmemory.redis.recovery.WritePathFixture.rejected;
import static io.github.agentmemory.redis.recovery.WritePathFixture.timeout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bookkeeping of {@link WriteSequencer}, one case at a time, without Redis: the test
 * answers every send itself ({@link WritePathFixture}).
 */
class WriteSequencerTests {

	private final WritePathFixture fixture = new WritePathFixture(10);

	private final WriteSequencer sequencer = this.fixture.sequencer;

	@Test
	void newerWriteWaitsBehindAQueuedOneAndIsSentAfterIt() {
		RedisWrite v1 = RedisWrite.set("k", "v1");
		RedisWrite v2 = RedisWrite.set("k", "v2");
		CompletableFuture<WriteOutcome> first = this.sequencer.write(v1, Priority.HIGH, null);
		this.fixture.sender.next().fail(notConnected());
		assertThat(outcome(first).status()).isEqualTo(Status.QUEUED);
		CompletableFuture<WriteOutcome> second = this.sequencer.write(v2, Priority.NORMAL, null);
		assertThat(outcome(second).status()).isEqualTo(Status.QUEUED);
		assertThat(this.fixture.sender.inFlight()).isEmpty();
		replay("k", true);
		Send replayed = this.fixture.sender.next();
		// both were parked encoded: what is sent is an equal copy
		assertThat(replayed.write()).isEqualTo(v1);
		assertThat(this.fixture.sender.inFlight()).isEmpty();
		replayed.succeed();
		Send next = this.fixture.sender.next();
		assertThat(next.write()).isEqualTo(v2);
		next.succeed();
		assertThat(settlement(first).status()).isEqualTo(Status.APPLIED);
		assertThat(settlement(second).status()).isEqualTo(Status.APPLIED);
		assertThat(this.fixture.queue.size()).isZero();
	}

	@Test
	void fullQueueEvictsTheOldestWriteOfTheLeastImportantPriority() {
		WritePathFixture fixture = new WritePathFixture(2);
		CompletableFuture<WriteOutcome> oldestNormal = queued(fixture, "a", Priority.NORMAL);
		CompletableFuture<WriteOutcome> newerNormal = queued(fixture, "b", Priority.NORMAL);
		CompletableFuture<WriteOutcome> high = queued(fixture, "c", Priority.HIGH);
		assertThat(outcome(high).status()).isEqualTo(Status.QUEUED);
		assertThat(settlement(oldestNormal).dropReason()).isEqualTo(DropReason.CAPACITY);
		assertThat(outcome(newerNormal).settlement()).isNotDone();
		RecoveryStats stats = fixture.queue.stats();
		assertThat(stats.size()).containsEntry(Priority.HIGH, 1).containsEntry(Priority.NORMAL, 1);
		assertThat(stats.dropped()).containsEntry(DropReason.CAPACITY, 1L);
		fixture.sequencer.close();
		assertThat(fixture.queue.stats().dropped()).containsEntry(DropReason.CAPACITY, 1L)
			.containsEntry(DropReason.SHUTDOWN, 2L);
	}

	@Test
	void fullQueueRefusesANewcomerRatherThanEvictAMoreImportantWrite() {
		WritePathFixture fixture = new WritePathFixture(2);
		CompletableFuture<WriteOutcome> first = queued(fixture, "a", Priority.HIGH);
		CompletableFuture<WriteOutcome> second = queued(fixture, "b", Priority.HIGH);
		CompletableFuture<WriteOutcome> normal = fixture.sequencer.write(RedisWrite.set("c", "v"), Priority.NORMAL,
				null);
		fixture.sender.next().fail(notConnected());
		WriteOutcome refused = outcome(normal);
		assertThat(refused.status()).isEqualTo(Status.DROPPED);
		assertThat(refused.dropReason()).isEqualTo(DropReason.CAPACITY);
		assertThat(outcome(first).settlement()).isNotDone();
		assertThat(outcome(second).settlement()).isNotDone();
		RecoveryStats stats = fixture.queue.stats();
		assertThat(stats.enqueued()).containsEntry(Priority.HIGH, 2L).containsEntry(Priority.NORMAL, 0L);
		assertThat(stats.dropped()).containsEntry(DropReason.CAPACITY, 1L);
	}

	@Test
	void writeInFlightAtCloseEndsWithItsReplyAndIsDroppedForShutdownIfItFails() {
		CompletableFuture<WriteOutcome> applied = this.sequencer.write(RedisWrite.set("a", "v"), Priority.HIGH, null);
		CompletableFuture<WriteOutcome> failed = this.sequencer.write(RedisWrite.set("b", "v"), Priority.HIGH, null);
		assertThat(this.sequencer.close().isEmpty()).isTrue();
		assertThat(applied).isNotDone();
		assertThat(failed).isNotDone();
		this.fixture.sender.next().succeed();
		this.fixture.sender.next().fail(notConnected());
		assertThat(outcome(applied).status()).isEqualTo(Status.APPLIED);
		WriteOutcome dropped = outcome(failed);
		assertThat(dropped.status()).isEqualTo(Status.DROPPED);
		assertThat(dropped.dropReason()).isEqualTo(DropReason.SHUTDOWN);
		RecoveryStats stats = this.fixture.queue.stats();
		assertThat(stats.dropped()).containsEntry(DropReason.SHUTDOWN, 1L);
		assertThat(stats.totalSize()).isZero();
		assertThat(this.fixture.sender.sent()).isEqualTo(2);
	}

	@Test
	void nothingWaitsAfterClose() {
		CompletableFuture<WriteOutcome> queued = queued(this.fixture, "a", Priority.NORMAL);
		CompletableFuture<WriteOutcome> replaying = queued(this.fixture, "b", Priority.HIGH);
		CompletableFuture<Object> call = this.sequencer.write(RedisWrite.set("b", "v2"));
		Send replay = this.fixture.sender.next();
		assertThat(replay.write().key()).isEqualTo("b");
		// the queued write to "a" is parked encoded: given up from the park
		RecoveryQueue.Victims givenUp = this.sequencer.close();
		assertThat(givenUp.size()).isEqualTo(1);
		assertThat(settlement(queued).dropReason()).isEqualTo(DropReason.SHUTDOWN);
		assertThat(call).isCompletedExceptionally();
		assertThat(outcome(replaying).settlement()).isNotDone();
		replay.succeed();
		assertThat(settlement(replaying).status()).isEqualTo(Status.APPLIED);
		long sent = this.fixture.sender.sent();
		for (Priority priority : Priority.values()) {
			WriteOutcome late = outcome(this.sequencer.write(RedisWrite.set("c", "v"), priority, null));
			assertThat(late.dropReason()).as(priority.name()).isEqualTo(DropReason.SHUTDOWN);
		}
		assertThat(this.sequencer.write(RedisWrite.set("c", "v"))).isCompletedExceptionally();
		replay("a", true);
		this.fixture.scheduler.runAll();
		assertThat(this.fixture.sender.sent()).isEqualTo(sent);
		assertThat(this.fixture.queue.size()).isZero();
	}

	@Test
	void writeWithoutPriorityWaitingBehindAQueuedOneGivesUpAfterItsRetryBudget() {
		RedisWrite v2 = RedisWrite.set("k", "v2");
		CompletableFuture<WriteOutcome> queued = queued(this.fixture, "k", Priority.HIGH);
		CompletableFuture<Object> call = this.sequencer.write(v2);
		// Redis takes writes: the queued write is replayed at once, the call waits for it
		Send replay = this.fixture.sender.next();
		assertThat(replay.write()).isNotSameAs(v2);
		Duration budget = WritePathFixture.RETRY.totalBackoff();
		Duration wait = (budget.compareTo(Duration.ofSeconds(1)) > 0) ? budget : Duration.ofSeconds(1);
		this.fixture.scheduler.advance(wait.minusMillis(1));
		assertThat(call).isNotDone();
		this.fixture.scheduler.advance(Duration.ofMillis(1));
		assertThat(call).isCompletedExceptionally();
		assertThat(call.handle((value, error) -> error).join())
			.isInstanceOf(TransientDataAccessResourceException.class)
			.hasMessageContaining("waited longer");
		replay.succeed();
		assertThat(settlement(queued).status()).isEqualTo(Status.APPLIED);
		assertThat(this.fixture.sender.inFlight()).isEmpty();
	}

	@Test
	void writeWithoutPriorityBehindAQueuedOneFailsAtOnceWhileTheCircuitIsOpen() {
		queued(this.fixture, "k", Priority.HIGH);
		this.fixture.circuitBreaker.transitionToOpenState();
		CompletableFuture<Object> call = this.sequencer.write(RedisWrite.set("k", "v2"));
		assertThat(call.handle((value, error) -> error).join()).isInstanceOf(RedisCircuitOpenException.class);
		assertThat(this.fixture.sender.inFlight()).isEmpty();
	}

	@Test
	void criticalBehindAQueuedWriteIsSentOnceTheEarlierWriteIsAppliedWhileTheCircuitIsClosed() {
		RedisWrite critical = RedisWrite.set("k", "v2");
		CompletableFuture<WriteOutcome> queued = queued(this.fixture, "k", Priority.HIGH);
		CompletableFuture<WriteOutcome> outcome = this.sequencer.write(critical, Priority.CRITICAL, null);
		assertThat(outcome).isNotDone();
		Send replay = this.fixture.sender.next();
		assertThat(this.fixture.sender.inFlight()).isEmpty();
		replay.succeed();
		Send sent = this.fixture.sender.next();
		assertThat(sent.write()).isSameAs(critical);
		assertThat(outcome).isNotDone();
		sent.succeed();
		assertThat(outcome(outcome).status()).isEqualTo(Status.APPLIED);
		assertThat(settlement(queued).status()).isEqualTo(Status.APPLIED);
		assertThat(this.fixture.queue.stats().enqueued()).containsEntry(Priority.CRITICAL, 0L);
	}

	@Test
	void criticalBehindAQueuedWriteIsQueuedWhileTheCircuitIsOpen() {
		queued(this.fixture, "k", Priority.HIGH);
		this.fixture.circuitBreaker.transitionToOpenState();
		CompletableFuture<WriteOutcome> outcome = this.sequencer.write(RedisWrite.set("k", "v2"), Priority.CRITICAL,
				null);
		assertThat(outcome(outcome).status()).isEqualTo(Status.QUEUED);
		assertThat(this.fixture.queue.stats().enqueued()).containsEntry(Priority.CRITICAL, 1L);
	}

	@Test
	void hashSetFailingWithOutOfMemoryIsQueuedNotSupersededWhenALaterOneWritesAnotherField() {
		RedisWrite f1 = RedisWrite.hset("k", Map.of("f1", "x"));
		RedisWrite f2 = RedisWrite.hset("k", Map.of("f2", "y"));
		CompletableFuture<WriteOutcome> first = this.sequencer.write(f1, Priority.HIGH, null);
		CompletableFuture<WriteOutcome> second = this.sequencer.write(f2, Priority.HIGH, null);
		Send sentFirst = this.fixture.sender.next();
		Send sentSecond = this.fixture.sender.next();
		sentFirst.fail(outOfMemory());
		// decided once the later write's reply is in
		assertThat(first).isNotDone();
		sentSecond.succeed();
		assertThat(outcome(second).status()).isEqualTo(Status.APPLIED);
		WriteOutcome queued = outcome(first);
		assertThat(queued.status()).isEqualTo(Status.QUEUED);
		assertThat(queued.cause()).hasMessageStartingWith("OOM");
		replay("k", true);
		Send replay = this.fixture.sender.next();
		assertThat(replay.write()).isEqualTo(f1);
		replay.succeed();
		assertThat(settlement(first).status()).isEqualTo(Status.APPLIED);
		assertThat(this.fixture.queue.stats().dropped()).containsEntry(DropReason.SUPERSEDED, 0L);
	}

	@Test
	void setFailingIsDroppedAsSupersededWhenALaterSetIsApplied() {
		CompletableFuture<WriteOutcome> first = this.sequencer.write(RedisWrite.set("k", "v1"), Priority.HIGH, null);
		CompletableFuture<WriteOutcome> second = this.sequencer.write(RedisWrite.set("k", "v2"), Priority.HIGH, null);
		Send sentFirst = this.fixture.sender.next();
		Send sentSecond = this.fixture.sender.next();
		sentFirst.fail(notConnected());
		sentSecond.succeed();
		assertThat(outcome(second).status()).isEqualTo(Status.APPLIED);
		assertThat(outcome(first).dropReason()).isEqualTo(DropReason.SUPERSEDED);
		RecoveryStats stats = this.fixture.queue.stats();
		assertThat(stats.dropped()).containsEntry(DropReason.SUPERSEDED, 1L);
		assertThat(stats.enqueued()).containsEntry(Priority.HIGH, 0L);
	}

	@Test
	void nonIdempotentWriteThatNeverLeftTheClientIsQueued() {
		RedisWrite setIfAbsent = RedisWrite.set("k", "v", SetOptions.builder().ifAbsent().build());
		assertThat(setIfAbsent.idempotent()).isFalse();
		CompletableFuture<WriteOutcome> outcome = this.sequencer.write(setIfAbsent, Priority.HIGH, null);
		this.fixture.sender.next().fail(notConnected());
		assertThat(outcome(outcome).status()).isEqualTo(Status.QUEUED);
	}

	@Test
	void nonIdempotentWriteThatTimedOutFailsAsAmbiguous() {
		RedisWrite setIfAbsent = RedisWrite.set("k", "v", SetOptions.builder().ifAbsent().build());
		CompletableFuture<WriteOutcome> outcome = this.sequencer.write(setIfAbsent, Priority.HIGH, null);
		this.fixture.sender.next().fail(timeout());
		WriteOutcome failed = outcome(outcome);
		assertThat(failed.status()).isEqualTo(Status.FAILED);
		assertThat(failed.cause()).isInstanceOf(AmbiguousWriteException.class).hasMessageContaining("may have been");
		assertThat(this.fixture.queue.size()).isZero();
	}

	@Test
	void attemptsCountOnlyTheWritesOwnFailedSendsNotProbesOrRejections() {
		CompletableFuture<WriteOutcome> queued = queued(this.fixture, "k", Priority.HIGH);
		for (int i = 0; i < 5; i++) {
			replay("k", true);
			this.fixture.sender.next().fail(timeout());
			replay("k", false);
			Send rejectedSend = this.fixture.sender.next();
			rejectedSend.fail(rejected(rejectedSend.write()));
		}
		assertThat(outcome(queued).settlement()).isNotDone();
		assertThat(this.fixture.queue.size()).isOne();
		// the write's own second failed send uses up its attempts
		replay("k", false);
		this.fixture.sender.next().fail(timeout());
		assertThat(settlement(queued).dropReason()).isEqualTo(DropReason.ATTEMPTS_EXHAUSTED);
		assertThat(this.fixture.queue.size()).isZero();
	}

	@Test
	void queuedWriteWithItsAttemptsUsedUpIsNotDroppedWhileALessImportantWriteIsQueued() {
		CompletableFuture<WriteOutcome> high = queued(this.fixture, "h", Priority.HIGH);
		CompletableFuture<WriteOutcome> normal = queued(this.fixture, "n", Priority.NORMAL);
		replay("h", false);
		this.fixture.sender.next().fail(timeout());
		assertThat(outcome(high).settlement()).isNotDone();
		assertThat(this.fixture.queue.stats().size()).containsEntry(Priority.HIGH, 1);
		replay("n", false);
		this.fixture.sender.next().succeed();
		assertThat(settlement(normal).status()).isEqualTo(Status.APPLIED);
		replay("h", false);
		this.fixture.sender.next().fail(timeout());
		assertThat(settlement(high).dropReason()).isEqualTo(DropReason.ATTEMPTS_EXHAUSTED);
	}

	@Test
	void queuedWriteIsCountedOnceAsEnqueuedAndOnceAsReplayed() {
		CompletableFuture<WriteOutcome> queued = queued(this.fixture, "k", Priority.NORMAL);
		for (int i = 0; i < 3; i++) {
			replay("k", true);
			this.fixture.sender.next().fail(notConnected());
		}
		replay("k", true);
		this.fixture.sender.next().succeed();
		assertThat(settlement(queued).status()).isEqualTo(Status.APPLIED);
		RecoveryStats stats = this.fixture.queue.stats();
		assertThat(stats.enqueued()).containsEntry(Priority.NORMAL, 1L);
		assertThat(stats.replayed()).containsEntry(Priority.NORMAL, 1L);
		assertThat(stats.totalDropped()).isZero();
		assertThat(stats.totalSize()).isZero();
	}

	@Test
	void criticalWriteThatIsRetriedAndThenAppliedIsNeverCountedAsEnqueued() {
		RedisWrite critical = RedisWrite.set("k", "v");
		CompletableFuture<WriteOutcome> outcome = this.sequencer.write(critical, Priority.CRITICAL, null);
		this.fixture.sender.next().fail(timeout());
		assertThat(outcome).isNotDone();
		assertThat(this.fixture.sender.inFlight()).isEmpty();
		this.fixture.scheduler.advance(WritePathFixture.RETRY.getMaxInterval());
		Send retry = this.fixture.sender.next();
		assertThat(retry.write()).isSameAs(critical);
		retry.succeed();
		assertThat(outcome(outcome).status()).isEqualTo(Status.APPLIED);
		RecoveryStats stats = this.fixture.queue.stats();
		assertThat(stats.enqueued()).containsEntry(Priority.CRITICAL, 0L);
		assertThat(stats.replayed()).containsEntry(Priority.CRITICAL, 0L);
		assertThat(stats.retries()).isOne();
	}

	@Test
	void criticalWriteWhoseRetriesAllFailIsFailedAndNeverCountedAsEnqueued() {
		CompletableFuture<WriteOutcome> outcome = this.sequencer.write(RedisWrite.set("k", "v"), Priority.CRITICAL,
				null);
		for (int attempt = 1; attempt <= WritePathFixture.RETRY.getMaxAttempts(); attempt++) {
			this.fixture.scheduler.advance(WritePathFixture.RETRY.getMaxInterval());
			this.fixture.sender.next().fail(timeout());
		}
		assertThat(outcome(outcome).status()).isEqualTo(Status.FAILED);
		RecoveryStats stats = this.fixture.queue.stats();
		assertThat(stats.enqueued()).containsEntry(Priority.CRITICAL, 0L);
		assertThat(stats.totalDropped()).isZero();
	}

	/** A write of the given priority to its own key, sent, failed and answered QUEUED. */
	private static CompletableFuture<WriteOutcome> queued(WritePathFixture fixture, String key, Priority priority) {
		CompletableFuture<WriteOutcome> outcome = fixture.sequencer.write(RedisWrite.set(key, "v"), priority, null);
		fixture.sender.next().fail(notConnected());
		assertThat(outcome(outcome).status()).isEqualTo(Status.QUEUED);
		return outcome;
	}

	/**
	 * Replay a key as a round of the recovery processor does: the parked writes are loaded
	 * back first (a key's parked writes are loaded at once only for a write in memory that
	 * waits behind them).
	 */
	private void replay(String key, boolean probe) {
		this.sequencer.loadParked(10).join();
		this.sequencer.replay(key, probe);
	}

	private static WriteOutcome outcome(CompletableFuture<WriteOutcome> outcome) {
		assertThat(outcome).isDone();
		return outcome.join();
	}

	private static WriteOutcome settlement(CompletableFuture<WriteOutcome> outcome) {
		CompletableFuture<WriteOutcome> settlement = outcome(outcome).settlement();
		assertThat(settlement).isDone();
		return settlement.join();
	}

}
