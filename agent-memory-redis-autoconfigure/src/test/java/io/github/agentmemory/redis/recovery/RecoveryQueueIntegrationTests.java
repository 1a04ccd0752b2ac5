package io.github.agentmemory.redis.recovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.agentmemory.redis.recovery.RecoveryCounters;
import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.StoreFunction;
import io.github.agentmemory.redis.command.StoreOutcome;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.resilience.RedisCircuitOpenException;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.dao.InvalidDataAccessApiUsageException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Priorities, the recovery queue and per-key order, against a real Redis that is stopped
 * and restarted.
 */
@ExtendWith(OutputCaptureExtension.class)
class RecoveryQueueIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private static final Duration PATIENCE = Duration.ofSeconds(20);

	private ApplicationContextRunner runner() {
		return TemplateContexts.runner(redis)
			.withPropertyValues("agent-memory.redis.circuit-breaker.failure-threshold=1",
					"agent-memory.redis.circuit-breaker.wait-duration-in-open-state=300ms",
					"agent-memory.redis.fail-fast.max-reconnect-delay=100ms",
					"agent-memory.redis.recovery.poll-interval=100ms", "agent-memory.redis.retry.max-attempts=1");
	}

	@Test
	void normalWriteDuringOutageIsQueuedAndAppliedOnceRedisIsBack() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			WriteOutcome outcome = template.write(RedisWrite.set("k", "during outage"), Priority.NORMAL).join();
			assertThat(outcome.status()).isEqualTo(Status.QUEUED);
			assertThat(outcome.cause()).isNotNull();
			assertThat(template.recoveryStats().size()).containsEntry(Priority.NORMAL, 1);
			redis.start();
			WriteOutcome settled = outcome.settlement().get();
			assertThat(settled.status()).isEqualTo(Status.APPLIED);
			assertThat(redis.admin().get("k")).isEqualTo("during outage");
			RecoveryStats stats = template.recoveryStats();
			assertThat(stats.totalSize()).isZero();
			assertThat(stats.enqueued()).containsEntry(Priority.NORMAL, 1L);
			assertThat(stats.replayed()).containsEntry(Priority.NORMAL, 1L);
		});
	}

	@Test
	void highIsReplayedBeforeNormal() {
		runner().withPropertyValues("agent-memory.redis.recovery.batch-size=1").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			List<Priority> replayOrder = new CopyOnWriteArrayList<>();
			context.getBean(RecoveryCounters.class).addListener(new RecoveryListener() {
				@Override
				public void replayed(Priority priority) {
					replayOrder.add(priority);
				}
			});
			template.ping().join();
			redis.stop();
			for (int i = 0; i < 5; i++) {
				assertThat(template.write(RedisWrite.set("normal:" + i, "v"), Priority.NORMAL).join().status())
					.isEqualTo(Status.QUEUED);
			}
			for (int i = 0; i < 5; i++) {
				assertThat(template.write(RedisWrite.set("high:" + i, "v"), Priority.HIGH).join().status())
					.isEqualTo(Status.QUEUED);
			}
			redis.start();
			await().atMost(PATIENCE).until(() -> replayOrder.size() == 10);
			assertThat(replayOrder).containsExactly(Priority.HIGH, Priority.HIGH, Priority.HIGH, Priority.HIGH,
					Priority.HIGH, Priority.NORMAL, Priority.NORMAL, Priority.NORMAL, Priority.NORMAL,
					Priority.NORMAL);
		});
	}

	@Test
	void lowPriorityWriteIsDroppedAndCounted() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			WriteOutcome outcome = template.write(RedisWrite.set("k", "v"), Priority.LOW).join();
			assertThat(outcome.status()).isEqualTo(Status.DROPPED);
			assertThat(outcome.dropReason()).isEqualTo(DropReason.LOW_PRIORITY);
			assertThat(template.recoveryStats().dropped()).containsEntry(DropReason.LOW_PRIORITY, 1L);
			assertThat(template.recoveryStats().totalSize()).isZero();
		});
	}

	@Test
	void criticalWriteIsRetriedWithBackoffThenReportedAsFailed() {
		runner().withPropertyValues("agent-memory.redis.circuit-breaker.failure-threshold=100").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			RetryPolicy twoRetries = RetryPolicy.builder()
				.maxAttempts(3)
				.initialInterval(Duration.ofMillis(20))
				.maxInterval(Duration.ofMillis(50))
				.build();
			WriteOutcome outcome = template.write(RedisWrite.set("k", "v"), Priority.CRITICAL, twoRetries).join();
			assertThat(outcome.status()).isEqualTo(Status.FAILED);
			assertThat(outcome.cause()).isNotNull();
			assertThat(template.recoveryStats().retries()).isEqualTo(2);
			assertThat(template.recoveryStats().totalSize()).isZero();
		});
	}

	@Test
	void criticalWriteWithZeroAttemptsIsNotRetried() {
		runner().withPropertyValues("agent-memory.redis.circuit-breaker.failure-threshold=100").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			WriteOutcome outcome = template.write(RedisWrite.set("k", "v"), Priority.CRITICAL, RetryPolicy.none())
				.join();
			assertThat(outcome.status()).isEqualTo(Status.FAILED);
			assertThat(template.recoveryStats().retries()).isZero();
		});
	}

	@Test
	void criticalWriteSucceedsWhenRedisComesBackDuringItsRetries() {
		runner().withPropertyValues("agent-memory.redis.circuit-breaker.failure-threshold=1000").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			RetryPolicy patient = RetryPolicy.builder()
				.maxAttempts(101)
				.initialInterval(Duration.ofMillis(50))
				.maxInterval(Duration.ofMillis(100))
				.build();
			CompletableFuture<StoreOutcome> stored = template.storeWithRetry("agent123",
					Map.of("position", "10,20", "health", "100"), StoreFunction.hash("agent:{id}:state"),
					Priority.CRITICAL, patient);
			await().atMost(PATIENCE).until(() -> template.recoveryStats().retries() >= 2);
			assertThat(stored).isNotDone();
			redis.start();
			assertThat(stored.get().status()).isEqualTo(Status.APPLIED);
			assertThat(redis.admin().hgetall("agent:agent123:state")).containsEntry("position", "10,20")
				.containsEntry("health", "100");
		});
	}

	@Test
	void criticalWriteRejectedByTheOpenCircuitIsQueued() {
		// an open state long enough that no probe is let through before the write
		runner().withPropertyValues("agent-memory.redis.circuit-breaker.wait-duration-in-open-state=2s").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			template.ping().exceptionally((ex) -> null).join();
			assertThat(context.getBean(CircuitBreaker.class).getState()).isEqualTo(CircuitBreaker.State.OPEN);
			WriteOutcome outcome = template.write(RedisWrite.set("k", "v"), Priority.CRITICAL).join();
			assertThat(outcome.status()).isEqualTo(Status.QUEUED);
			assertThat(outcome.cause()).isInstanceOf(RedisCircuitOpenException.class);
			redis.start();
			assertThat(outcome.settlement().get().status()).isEqualTo(Status.APPLIED);
			assertThat(redis.admin().get("k")).isEqualTo("v");
		});
	}

	@Test
	void newerWriteToAKeyWaitsBehindItsQueuedWrites() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			WriteOutcome v1 = template.write(RedisWrite.set("k", "v1"), Priority.NORMAL).join();
			WriteOutcome h1 = template.write(RedisWrite.hset("h", Map.of("f", "1", "g", "1")), Priority.NORMAL).join();
			assertThat(v1.status()).isEqualTo(Status.QUEUED);
			redis.start();
			WriteOutcome v2 = template.write(RedisWrite.set("k", "v2"), Priority.NORMAL).join();
			WriteOutcome h2 = template.write(RedisWrite.hset("h", Map.of("f", "2")), Priority.HIGH).join();
			assertThat(v2.status()).as("waits behind v1 instead of overtaking it").isEqualTo(Status.QUEUED);
			assertThat(h2.status()).isEqualTo(Status.QUEUED);
			CompletableFuture.allOf(v1.settlement(), v2.settlement(), h1.settlement(), h2.settlement()).join();
			assertThat(v1.settlement().join().status()).isEqualTo(Status.APPLIED);
			assertThat(v2.settlement().join().status()).isEqualTo(Status.APPLIED);
			assertThat(redis.admin().get("k")).isEqualTo("v2");
			assertThat(redis.admin().hgetall("h")).containsOnly(Map.entry("f", "2"), Map.entry("g", "1"));
		});
	}

	@Test
	void plainWriteToAKeyWithQueuedWritesIsAppliedAfterThem() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			WriteOutcome v1 = template.write(RedisWrite.set("k", "v1"), Priority.NORMAL).join();
			redis.start();
			await().atMost(PATIENCE)
				.until(() -> context.getBean(CircuitBreaker.class).getState() == CircuitBreaker.State.CLOSED
						|| v1.settlement().isDone());
			CompletableFuture<Boolean> v2 = template.set("k", "v2");
			assertThat(v2.join()).isTrue();
			assertThat(v1.settlement().join().status()).isIn(Status.APPLIED, Status.DROPPED);
			assertThat(redis.admin().get("k")).isEqualTo("v2");
		});
	}

	@Test
	void fullQueueEvictsTheOldestWriteOfTheLowestPriority() {
		runner().withPropertyValues("agent-memory.redis.recovery.capacity=3",
				"agent-memory.redis.recovery.poll-interval=1h", "agent-memory.redis.recovery.shutdown-timeout=200ms")
			.run((context) -> {
				AsyncResilientRedisTemplate template = template(context);
				template.ping().join();
				redis.stop();
				WriteOutcome n1 = template.write(RedisWrite.set("n1", "v"), Priority.NORMAL).join();
				WriteOutcome n2 = template.write(RedisWrite.set("n2", "v"), Priority.NORMAL).join();
				WriteOutcome h1 = template.write(RedisWrite.set("h1", "v"), Priority.HIGH).join();
				WriteOutcome h2 = template.write(RedisWrite.set("h2", "v"), Priority.HIGH).join();
				assertThat(n1.settlement()).isCompletedWithValueMatching(
						(outcome) -> outcome.dropReason() == DropReason.CAPACITY, "n1 evicted for h2");
				WriteOutcome h3 = template.write(RedisWrite.set("h3", "v"), Priority.HIGH).join();
				assertThat(n2.settlement()).isCompletedWithValueMatching(
						(outcome) -> outcome.dropReason() == DropReason.CAPACITY, "n2 evicted for h3");
				WriteOutcome n3 = template.write(RedisWrite.set("n3", "v"), Priority.NORMAL).join();
				assertThat(n3.status()).as("a HIGH is never evicted for a NORMAL").isEqualTo(Status.DROPPED);
				assertThat(n3.dropReason()).isEqualTo(DropReason.CAPACITY);
				for (WriteOutcome high : List.of(h1, h2, h3)) {
					assertThat(high.status()).isEqualTo(Status.QUEUED);
					assertThat(high.settlement()).isNotDone();
				}
				RecoveryStats stats = template.recoveryStats();
				assertThat(stats.size()).containsEntry(Priority.HIGH, 3).containsEntry(Priority.NORMAL, 0);
				assertThat(stats.dropped()).containsEntry(DropReason.CAPACITY, 3L);
			});
	}

	@Test
	void replayThatHitsAPermanentErrorIsDroppedNotRetried() {
		runner().withPropertyValues("agent-memory.redis.recovery.poll-interval=1h").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			RecoveryProcessor processor = context.getBean(RecoveryProcessor.class);
			template.ping().join();
			redis.stop();
			WriteOutcome outcome = template.write(RedisWrite.hset("k", Map.of("f", "v")), Priority.NORMAL).join();
			assertThat(outcome.status()).isEqualTo(Status.QUEUED);
			redis.start();
			redis.admin().set("k", "a string now");
			await().atMost(PATIENCE).until(() -> {
				processor.replay().join();
				return outcome.settlement().isDone();
			});
			WriteOutcome settled = outcome.settlement().join();
			assertThat(settled.status()).isEqualTo(Status.DROPPED);
			assertThat(settled.dropReason()).isEqualTo(DropReason.PERMANENT_ERROR);
			assertThat(settled.cause()).isInstanceOf(InvalidDataAccessApiUsageException.class);
			assertThat(template.recoveryStats().dropped()).containsEntry(DropReason.PERMANENT_ERROR, 1L);
			assertThat(redis.admin().get("k")).isEqualTo("a string now");
		});
	}

	@Test
	void shutdownDrainsTheQueueWhenRedisIsUp(CapturedOutput output) {
		CompletableFuture<WriteOutcome>[] settlement = new CompletableFuture[1];
		runner().withPropertyValues("agent-memory.redis.recovery.poll-interval=1h").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			settlement[0] = template.write(RedisWrite.set("k", "v"), Priority.HIGH).join().settlement();
			redis.start();
			await().atMost(PATIENCE)
				.until(() -> context.getBean(CircuitBreaker.class).tryAcquirePermission()
						&& releaseProbe(context.getBean(CircuitBreaker.class)));
		});
		assertThat(settlement[0].join().status()).isEqualTo(Status.APPLIED);
		assertThat(redis.admin().get("k")).isEqualTo("v");
		assertThat(output).contains("Recovery queue drained on shutdown: 1 queued writes handled");
	}

	@Test
	void shutdownLogsWhatIsLeftWhenRedisIsDown(CapturedOutput output) {
		CompletableFuture<WriteOutcome>[] settlement = new CompletableFuture[1];
		runner().withPropertyValues("agent-memory.redis.recovery.shutdown-timeout=200ms").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			settlement[0] = template.write(RedisWrite.set("a", "v"), Priority.HIGH).join().settlement();
			template.write(RedisWrite.set("b", "v"), Priority.NORMAL).join();
			template.write(RedisWrite.set("c", "v"), Priority.NORMAL).join();
		});
		assertThat(settlement[0].join().dropReason()).isEqualTo(DropReason.SHUTDOWN);
		// without a journal the queued writes are parked encoded: lost at shutdown, not handed over
		assertThat(output).contains("Shutting down with 3 queued writes not applied to Redis")
			.contains("HIGH=1")
			.contains("NORMAL=2")
			.doesNotContain("the recovery journal keeps them");
	}

	private static boolean releaseProbe(CircuitBreaker breaker) {
		breaker.releasePermission();
		return true;
	}

	static AsyncResilientRedisTemplate template(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		return context.getBean(AsyncResilientRedisTemplate.class);
	}

}
