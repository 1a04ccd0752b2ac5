package io.github.agentmemory.redis.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.RedisConnectionFailureException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link WriteSequencer}'s bookkeeping, with a sender whose replies the test
 * completes itself (pure logic: the Redis behaviour is covered by the integration tests).
 */
class WriteSequencerTests {

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	private final List<Sent> sent = new ArrayList<>();

	private final WriteSequencer sequencer = sequencer(2);

	@AfterEach
	void stopScheduler() {
		this.scheduler.shutdownNow();
	}

	@Test
	void newerWriteToAKeyWaitsBehindTheQueuedOneAndIsSentAfterIt() {
		CompletableFuture<WriteOutcome> first = this.sequencer.write(RedisWrite.set("k", "v1"), Priority.NORMAL, null);
		failLast();
		assertThat(first.join().status()).isEqualTo(Status.QUEUED);
		CompletableFuture<WriteOutcome> second = this.sequencer.write(RedisWrite.set("k", "v2"), Priority.HIGH, null);
		assertThat(second.join().status()).isEqualTo(Status.QUEUED);
		assertThat(this.sent).hasSize(1);
		CompletableFuture<Boolean> drained = this.sequencer.drainLane("k");
		assertThat(lastValue()).isEqualTo("v1");
		applyLast();
		assertThat(lastValue()).as("sent only once v1 is applied").isEqualTo("v2");
		applyLast();
		assertThat(drained.join()).isTrue();
		assertThat(first.join().settlement().join().status()).isEqualTo(Status.APPLIED);
		assertThat(second.join().settlement().join().status()).isEqualTo(Status.APPLIED);
		assertThat(this.sequencer.size()).isZero();
	}

	@Test
	void queuedWriteEvictedForAMoreImportantOneIsSettledAsDropped() {
		CompletableFuture<WriteOutcome> a = this.sequencer.write(RedisWrite.set("a", "v"), Priority.NORMAL, null);
		failLast();
		CompletableFuture<WriteOutcome> b = this.sequencer.write(RedisWrite.set("b", "v"), Priority.NORMAL, null);
		failLast();
		CompletableFuture<WriteOutcome> c = this.sequencer.write(RedisWrite.set("c", "v"), Priority.HIGH, null);
		failLast();
		assertThat(c.join().status()).isEqualTo(Status.QUEUED);
		WriteOutcome evicted = a.join().settlement().join();
		assertThat(evicted.status()).isEqualTo(Status.DROPPED);
		assertThat(evicted.dropReason()).isEqualTo(DropReason.CAPACITY);
		assertThat(b.join().settlement()).isNotDone();
		this.sequencer.write(RedisWrite.set("c2", "v"), Priority.HIGH, null);
		failLast();
		assertThat(b.join().settlement().join().dropReason()).isEqualTo(DropReason.CAPACITY);
		CompletableFuture<WriteOutcome> d = this.sequencer.write(RedisWrite.set("d", "v"), Priority.NORMAL, null);
		failLast();
		assertThat(d.join().status()).as("queue full of more important writes").isEqualTo(Status.DROPPED);
		assertThat(this.sequencer.stats().dropped()).containsEntry(DropReason.CAPACITY, 3L);
		assertThat(this.sequencer.stats().size()).containsEntry(Priority.HIGH, 2).containsEntry(Priority.NORMAL, 0);
	}

	@Test
	void writeBeingSentIsNotGivenUpOnShutdownAndIsDroppedIfItFailsAfterwards() {
		CompletableFuture<WriteOutcome> queued = this.sequencer.write(RedisWrite.set("k", "v"), Priority.NORMAL, null);
		failLast();
		this.sequencer.drainLane("k");
		assertThat(this.sequencer.dropAll()).as("the write in flight is left to its reply").isEmpty();
		failLast();
		WriteOutcome settled = queued.join().settlement().join();
		assertThat(settled.dropReason()).isEqualTo(DropReason.SHUTDOWN);
		CompletableFuture<WriteOutcome> late = this.sequencer.write(RedisWrite.set("x", "v"), Priority.NORMAL, null);
		failLast();
		assertThat(late.join().dropReason()).as("nothing waits after shutdown").isEqualTo(DropReason.SHUTDOWN);
	}

	@Test
	void writeWithoutPriorityGivesUpWaitingBehindAQueuedOneAfterItsRetryBudget() {
		this.sequencer.write(RedisWrite.set("k", "v1"), Priority.NORMAL, null);
		failLast();
		CompletableFuture<Object> plain = this.sequencer.write(RedisWrite.set("k", "v2"));
		assertThat(this.sent).as("waits behind v1, not sent").hasSize(1);
		assertThat(plain).isNotDone();
		await().atMost(Duration.ofSeconds(10)).until(plain::isDone);
		assertThat(plain).isCompletedExceptionally();
		assertThat(plain).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.withMessageContaining("behind earlier writes to its key");
		assertThat(this.sequencer.size()).as("v1 still waits").isEqualTo(1);
		assertThat(this.sent).hasSize(1);
	}

	private WriteSequencer sequencer(int capacity) {
		RecoverySettings settings = new RecoverySettings(true, capacity, Duration.ofHours(1), 10, 10,
				Duration.ofHours(1), Duration.ZERO);
		return new WriteSequencer(this::send, CircuitBreaker.ofDefaults("test"), this.scheduler,
				new RedisFaultClassifier(), RetryPolicy.none(), settings, System::nanoTime);
	}

	private CompletableFuture<Object> send(RedisWrite write) {
		CompletableFuture<Object> reply = new CompletableFuture<>();
		this.sent.add(new Sent(write, reply));
		return reply;
	}

	private void failLast() {
		last().reply().completeExceptionally(new RedisConnectionFailureException("down"));
	}

	private void applyLast() {
		last().reply().complete("OK");
	}

	private String lastValue() {
		return ((RedisWrite.Set) last().write()).value();
	}

	private Sent last() {
		return this.sent.get(this.sent.size() - 1);
	}

	private record Sent(RedisWrite write, CompletableFuture<Object> reply) {

	}

}
