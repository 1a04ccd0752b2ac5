package io.github.agentmemory.redis.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.ResilientRedisConnection;
import io.github.agentmemory.redis.ResilientRedisTemplate;
import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.github.agentmemory.redis.resilience.ResilienceScheduler;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.dao.DataAccessException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * One regression test per defect 1 to 7 of issue 10 ("Rebuild the write path"), against
 * a real {@code redis-server} and real faults: the server stopped, out of memory
 * ({@code maxmemory 1} with {@code noeviction}: writes that may grow memory are refused
 * with {@code OOM}, {@code DEL}/{@code HDEL}/{@code ZREM} still pass) and
 * {@code CLIENT PAUSE}. Each test's javadoc names its defect and how it failed on the
 * code before the rebuild (commit 5a260f0).
 */
class WritePathDefectsIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private static final Duration PATIENCE = Duration.ofSeconds(10);

	/** Most time a race loop runs. */
	private static final long RACE_NANOS = TimeUnit.SECONDS.toNanos(5);

	@AfterEach
	void freeMemoryIfRunning() {
		if (redis.isRunning()) {
			freeMemory();
		}
	}

	private ApplicationContextRunner runner() {
		return TemplateContexts.runner(redis)
			.withPropertyValues("agent-memory.redis.fail-fast.max-reconnect-delay=100ms",
					"agent-memory.redis.recovery.poll-interval=1h");
	}

	/**
	 * Defect 1: a write whose failure reply races the shutdown sweep must still end:
	 * every first outcome and every settlement completes, each write given up at shutdown
	 * is counted once as {@code SHUTDOWN}, and nothing is left in the queue. Up to 5,000
	 * rounds (at most 5 s) of a fresh write path over the context's real connection, 20
	 * {@code NORMAL} writes refused by an out-of-memory Redis each, closed up to 20 µs
	 * after a random one of their replies was handled, while the others come in.
	 * <p>
	 * On 5a260f0 this failed: in 3 of 5 runs, 1 to 12 settlements (of 16,400 to 100,000 writes)
	 * never completed; it passed in the other 2 (the race is not hit every run).
	 */
	@Test
	void writesFailingWhileTheWritePathClosesAllSettleAndAreCountedAsShutdown() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			fillMemory();
			ResilientRedisConnection connection = context.getBean(ResilientRedisConnection.class);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			ScheduledExecutorService scheduler = context.getBean(ResilienceScheduler.class).getExecutor();
			List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>();
			List<RecoveryQueue> queues = new ArrayList<>();
			long deadline = System.nanoTime() + RACE_NANOS;
			for (int rounds = 0; rounds < 5_000 && System.nanoTime() - deadline < 0; rounds++) {
				RecoveryCounters counters = new RecoveryCounters();
				RecoveryQueue queue = new RecoveryQueue(1_000, counters);
				WriteSequencer sequencer = new WriteSequencer(connection, breaker, scheduler,
						new RedisFaultClassifier(), RetryPolicy.create(), queue, counters, true, 10, System::nanoTime);
				queues.add(queue);
				List<CompletableFuture<WriteOutcome>> round = new ArrayList<>();
				for (int i = 0; i < 20; i++) {
					round.add(sequencer.write(RedisWrite.set("race:" + i, "v"), Priority.NORMAL, null));
				}
				outcomes.addAll(round);
				// close while the round's replies come in: a little after one of them was handled
				spinUntilDone(round.get(ThreadLocalRandom.current().nextInt(round.size())));
				spin(ThreadLocalRandom.current().nextLong(20_000));
				sequencer.close();
			}
			CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
			List<CompletableFuture<WriteOutcome>> finals = outcomes.stream()
				.map(CompletableFuture::join)
				.map(WritePathDefectsIntegrationTests::settled)
				.toList();
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(finals.stream().filter((settled) -> !settled.isDone()).count())
					.as("settlements that never completed, of %d writes", finals.size())
					.isZero());
			long shutdownOutcomes = finals.stream()
				.map(CompletableFuture::join)
				.filter((settled) -> settled.dropReason() == DropReason.SHUTDOWN)
				.count();
			long shutdownCounted = queues.stream()
				.mapToLong((queue) -> queue.stats().dropped().get(DropReason.SHUTDOWN))
				.sum();
			assertThat(shutdownCounted).as("writes counted as dropped at SHUTDOWN").isEqualTo(shutdownOutcomes);
			assertThat(queues.stream().mapToInt(RecoveryQueue::size).sum()).as("writes left in the queues").isZero();
		});
	}

	/**
	 * Defect 2: a queued write whose replay fails again while a newcomer evicts it must
	 * not come back into the queue as a ghost: once Redis takes writes again the queue
	 * drains to 0, every settlement completes and each write is counted in once and out
	 * once. Up to 20,000 rounds (at most 5 s, 200,000 newcomers): replay eight keys'
	 * oldest writes against an out-of-memory Redis and, until the refusals are handled,
	 * queue newcomers to the same keys in the full queue (capacity 32), each evicting the
	 * oldest waiting write.
	 * <p>
	 * On 5a260f0 this failed: in 1 of 4 runs, with 19 writes left in the queue for good; it
	 * passed in the other 3 (the race is not hit every run).
	 */
	@Test
	void queuedWriteEvictedWhileItsReplayFailsIsNotQueuedAgain() {
		runner().withPropertyValues("agent-memory.redis.recovery.capacity=32",
				"agent-memory.redis.recovery.max-attempts=1000000")
			.run((context) -> {
				AsyncResilientRedisTemplate template = template(context);
				WriteSequencer sequencer = sequencer(context);
				template.ping().join();
				fillMemory();
				List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>();
				for (int i = 0; i < 32; i++) {
					outcomes.add(template.write(RedisWrite.set("ghost:" + (i % 8), "first " + i), Priority.NORMAL));
				}
				CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).join();
				long deadline = System.nanoTime() + RACE_NANOS;
				int written = 0;
				for (int round = 0; round < 20_000 && System.nanoTime() - deadline < 0; round++) {
					List<CompletableFuture<?>> replays = new ArrayList<>();
					for (String key : keysToReplay(context, 8)) {
						replays.add(replay(sequencer, key));
					}
					CompletableFuture<Void> replayed = CompletableFuture.allOf(replays.toArray(CompletableFuture[]::new));
					// newcomers evict from the full queue while the replays' refusals come in
					while (!replayed.isDone() && written < 200_000) {
						outcomes.add(template.write(RedisWrite.set("ghost:" + (written % 8), "later " + written),
								Priority.NORMAL));
						written++;
					}
					replayed.join();
				}
				freeMemory();
				RecoveryProcessor processor = context.getBean(RecoveryProcessor.class);
				await().atMost(PATIENCE).untilAsserted(() -> {
					processor.replay().join();
					assertThat(template.recoveryStats().totalSize()).as("writes left in the queue").isZero();
				});
				CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).join();
				List<CompletableFuture<WriteOutcome>> settlements = outcomes.stream()
					.map(CompletableFuture::join)
					.filter((outcome) -> outcome.status() == Status.QUEUED)
					.map(WriteOutcome::settlement)
					.toList();
				await().atMost(PATIENCE)
					.untilAsserted(() -> assertThat(settlements).as("settlements").allMatch(CompletableFuture::isDone));
				RecoveryStats stats = template.recoveryStats();
				assertThat(stats.enqueued().get(Priority.NORMAL))
					.as("enqueued NORMAL writes = replayed + dropped, %s", stats)
					.isEqualTo(stats.replayed().get(Priority.NORMAL) + stats.totalDropped());
			});
	}

	/**
	 * Defect 3: {@code HSET h f1} refused for lack of memory while {@code HSET h f2} right
	 * behind it is applied leaves f1 queued, and it is applied once Redis has memory
	 * again: nothing ever overwrote f1, so it is not {@code SUPERSEDED}. Redis counts a
	 * client's query buffer and a command's arguments as used memory, so with
	 * {@code maxmemory} a few MB above what it uses, an 8 MB f1 is refused while the small
	 * f2 often passes (how much memory the query buffer keeps varies: up to 12 pairs are
	 * tried, with 2, 6 and 12 MB to spare). Likewise {@code HSET d f1} refused while
	 * {@code HDEL d f2} (which never needs memory) is applied is not dropped as
	 * {@code SUPERSEDED}: the rebuilt path reports it {@code FAILED}, since an
	 * {@code HDEL} that empties the key also removes its time to live, so the two do not
	 * commute.
	 * <p>
	 * On 5a260f0 this failed: the queued f1 settled {@code DROPPED SUPERSEDED}, not
	 * {@code APPLIED}.
	 */
	@Test
	void writeRefusedWhileALaterWriteToOtherFieldsIsAppliedIsNotDroppedAsSuperseded() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			String big = "x".repeat(8 * 1024 * 1024);
			redis.admin().configSet("maxmemory-policy", "noeviction");
			long used = usedMemory();
			CompletableFuture<WriteOutcome> f1 = null;
			String key = null;
			for (int pair = 0; pair < 12 && f1 == null; pair++) {
				String h = "h" + pair;
				long spare = new long[] { 2, 12, 6 }[pair % 3] * 1024 * 1024;
				redis.admin().configSet("maxmemory", String.valueOf(used + spare));
				CompletableFuture<WriteOutcome> first = template.write(RedisWrite.hset(h, Map.of("f1", big)),
						Priority.NORMAL);
				CompletableFuture<WriteOutcome> second = template.write(RedisWrite.hset(h, Map.of("f2", "v2")),
						Priority.NORMAL);
				if (second.get(5, TimeUnit.SECONDS).status() == Status.APPLIED
						&& first.get(5, TimeUnit.SECONDS).status() != Status.APPLIED) {
					f1 = first;
					key = h;
				}
				freeMemory();
			}
			assertThat(f1).as("a pair where Redis refused f1 and took f2").isNotNull();
			assertThat(f1.join().status()).as("%s", f1.join()).isEqualTo(Status.QUEUED);
			fillMemory();
			redis.admin().clientPause(200);
			CompletableFuture<WriteOutcome> hset = template.write(RedisWrite.hset("d", Map.of("f1", "v1")),
					Priority.NORMAL);
			CompletableFuture<WriteOutcome> hdel = template.write(RedisWrite.hdel("d", List.of("f2")),
					Priority.NORMAL);
			assertThat(hdel.get(5, TimeUnit.SECONDS).status()).isEqualTo(Status.APPLIED);
			freeMemory();
			RecoveryProcessor processor = context.getBean(RecoveryProcessor.class);
			CompletableFuture<WriteOutcome> refused = f1;
			await().atMost(PATIENCE).until(() -> {
				processor.replay().join();
				return template.recoveryStats().totalSize() == 0 && refused.join().settlement().isDone()
						&& settled(hset.join()).isDone();
			});
			assertThat(f1.join().settlement().join()).extracting(WriteOutcome::status, WriteOutcome::dropReason)
				.containsExactly(Status.APPLIED, null);
			assertThat(redis.admin().hget(key, "f1")).isEqualTo(big);
			assertThat(redis.admin().hget(key, "f2")).isEqualTo("v2");
			assertThat(settled(hset.join()).join().dropReason()).as("%s", settled(hset.join()).join())
				.isNotEqualTo(DropReason.SUPERSEDED);
			assertThat(template.recoveryStats().dropped()).containsEntry(DropReason.SUPERSEDED, 0L);
		});
	}

	/**
	 * Defect 4, blocking side: a blocking call waiting for its retry when the context
	 * closes fails at once instead of waiting for ever (the retry's backoff is 10 s, the
	 * call must end within 5 s of the close).
	 * <p>
	 * On 5a260f0 this failed: the blocking call had not returned 5 s after the close
	 * ({@code TimeoutException}); its thread stayed blocked.
	 */
	@Test
	void blockingCallWaitingForItsRetryFailsWhenTheContextCloses() {
		ExecutorService caller = Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, "blocking-caller");
			thread.setDaemon(true);
			return thread;
		});
		try {
			waitingForRetryRunner().run((context) -> {
				ResilientRedisTemplate blocking = context.getBean(ResilientRedisTemplate.class);
				CircuitBreaker breaker = breaker(context);
				blocking.ping();
				redis.stop();
				CompletableFuture<Optional<String>> call = CompletableFuture.supplyAsync(() -> blocking.get("k"),
						caller);
				await().atMost(PATIENCE).until(() -> breaker.getMetrics().getNumberOfFailedCalls() >= 1);
				assertThat(call).isNotDone();
				context.close();
				assertThat(call).failsWithin(Duration.ofSeconds(5))
					.withThrowableOfType(java.util.concurrent.ExecutionException.class)
					.withCauseInstanceOf(DataAccessException.class);
			});
		}
		finally {
			caller.shutdownNow();
		}
	}

	/**
	 * Defect 4, asynchronous side: a read waiting for its retry when the context closes
	 * completes (exceptionally) within 5 s, although its backoff is 10 s.
	 * <p>
	 * On 5a260f0 this failed: the read had not completed 5 s after the close
	 * ({@code TimeoutException}).
	 */
	@Test
	void asyncReadWaitingForItsRetryCompletesWhenTheContextCloses() {
		waitingForRetryRunner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			CircuitBreaker breaker = breaker(context);
			template.ping().join();
			redis.stop();
			CompletableFuture<Optional<String>> read = template.get("k");
			await().atMost(PATIENCE).until(() -> breaker.getMetrics().getNumberOfFailedCalls() >= 1);
			assertThat(read).isNotDone();
			context.close();
			assertThat(read).failsWithin(Duration.ofSeconds(5))
				.withThrowableOfType(java.util.concurrent.ExecutionException.class)
				.withCauseInstanceOf(DataAccessException.class);
		});
	}

	private ApplicationContextRunner waitingForRetryRunner() {
		return runner().withPropertyValues("agent-memory.redis.circuit-breaker.failure-threshold=1000",
				"agent-memory.redis.retry.max-attempts=3", "agent-memory.redis.retry.initial-interval=10s",
				"agent-memory.redis.retry.max-interval=10s", "agent-memory.redis.retry.jitter=0");
	}

	/**
	 * Defect 5: {@code execute()} hands out the shared connection, so commands that
	 * change its state for every caller ({@code MULTI}, {@code SELECT}) are refused with
	 * {@link IllegalArgumentException}, and the template's other calls still write to
	 * database 0 outside any transaction. (That {@code execute()} is outside the per-key
	 * order of writes is documented on the method.)
	 * <p>
	 * On 5a260f0 this failed: {@code execute} with {@code MULTI} completed normally on the
	 * shared connection (nothing was refused).
	 */
	@Test
	void executeRefusesCommandsThatChangeTheSharedConnection() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			Throwable multi = catchThrowable(() -> template
				.execute("MULTI", false, (commands) -> ((RedisAsyncCommands<byte[], byte[]>) commands).multi())
				.join());
			Throwable select = catchThrowable(() -> template
				.execute("SELECT", false, (commands) -> ((RedisAsyncCommands<byte[], byte[]>) commands).select(1))
				.join());
			assertThat(refusal(multi)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("'multi' would change the connection");
			assertThat(refusal(select)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("'select' would change the connection");
			assertThat(template.set("k", "v").get(2, TimeUnit.SECONDS)).isTrue();
			assertThat(template.get("k").get(2, TimeUnit.SECONDS)).contains("v");
			assertThat(redis.admin().get("k")).as("written to database 0, not in a transaction").isEqualTo("v");
			assertThat(redis.commandCalls("multi")).isZero();
			assertThat(redis.commandCalls("select")).isZero();
		});
	}

	/**
	 * Defect 6, part 1: a write without a priority that waits behind its key's queued
	 * write takes no room in the recovery queue, so at capacity 1 it does not evict that
	 * very write: both are applied in order once Redis has memory again.
	 * <p>
	 * On 5a260f0 this failed: the plain write evicted the queued one at once: it settled
	 * {@code DROPPED CAPACITY}.
	 */
	@Test
	void plainWriteWaitingBehindAQueuedWriteDoesNotEvictIt() {
		runner().withPropertyValues("agent-memory.redis.recovery.capacity=1", "agent-memory.redis.retry.max-attempts=10",
				"agent-memory.redis.retry.max-interval=1s")
			.run((context) -> {
				AsyncResilientRedisTemplate template = template(context);
				template.ping().join();
				fillMemory();
				WriteOutcome queued = template.write(RedisWrite.set("k", "v1"), Priority.NORMAL).join();
				assertThat(queued.status()).isEqualTo(Status.QUEUED);
				CompletableFuture<Boolean> plain = template.set("k", "v2");
				assertThat(queued.settlement()).as("the queued write, after a plain write to its key arrived")
					.isNotDone();
				freeMemory();
				RecoveryProcessor processor = context.getBean(RecoveryProcessor.class);
				await().atMost(PATIENCE).until(() -> {
					processor.replay().join();
					return queued.settlement().isDone();
				});
				assertThat(queued.settlement().join()).extracting(WriteOutcome::status, WriteOutcome::dropReason)
					.containsExactly(Status.APPLIED, null);
				assertThat(plain.get(5, TimeUnit.SECONDS)).isTrue();
				assertThat(redis.admin().get("k")).isEqualTo("v2");
				RecoveryStats stats = template.recoveryStats();
				assertThat(stats.enqueued()).containsEntry(Priority.NORMAL, 1L);
				assertThat(stats.dropped()).containsEntry(DropReason.CAPACITY, 0L);
			});
	}

	/**
	 * Defect 6, part 2: a {@code CRITICAL} write whose retries all fail never entered the
	 * recovery queue, so it is not counted as enqueued; its retries are retries.
	 * <p>
	 * On 5a260f0 this failed: enqueued was {@code {CRITICAL=1}}.
	 */
	@Test
	void criticalWriteWhoseRetriesAllFailIsNotCountedAsEnqueued() {
		runner().withPropertyValues("agent-memory.redis.circuit-breaker.failure-threshold=100").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.stop();
			RetryPolicy threeAttempts = RetryPolicy.builder()
				.maxAttempts(3)
				.initialInterval(Duration.ofMillis(20))
				.maxInterval(Duration.ofMillis(50))
				.build();
			WriteOutcome outcome = template.write(RedisWrite.set("k", "v"), Priority.CRITICAL, threeAttempts).join();
			assertThat(outcome.status()).isEqualTo(Status.FAILED);
			RecoveryStats stats = template.recoveryStats();
			assertThat(stats.retries()).isEqualTo(2);
			assertThat(stats.enqueued()).containsEntry(Priority.CRITICAL, 0L);
			assertThat(stats.totalDropped()).isZero();
			assertThat(stats.totalSize()).isZero();
		});
	}

	/**
	 * Defect 7: a {@code CRITICAL} write behind a queued write to its key, with the
	 * circuit closed (the queued write was refused for lack of memory, and Redis has
	 * memory again), is applied after it rather than queued.
	 * <p>
	 * On 5a260f0 this failed: the {@code CRITICAL} write came back {@code QUEUED}, not
	 * {@code APPLIED}.
	 */
	@Test
	void criticalWriteBehindAQueuedWriteIsAppliedWhileTheCircuitIsClosed() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			fillMemory();
			WriteOutcome queued = template.write(RedisWrite.set("k", "v1"), Priority.NORMAL).join();
			assertThat(queued.status()).isEqualTo(Status.QUEUED);
			freeMemory();
			assertThat(breaker(context).getState()).isEqualTo(CircuitBreaker.State.CLOSED);
			WriteOutcome critical = template.write(RedisWrite.set("k", "v2"), Priority.CRITICAL)
				.get(5, TimeUnit.SECONDS);
			assertThat(critical.status()).isEqualTo(Status.APPLIED);
			assertThat(queued.settlement().get(5, TimeUnit.SECONDS).status()).isEqualTo(Status.APPLIED);
			assertThat(redis.admin().get("k")).isEqualTo("v2");
			assertThat(template.recoveryStats().enqueued()).containsEntry(Priority.CRITICAL, 0L);
		});
	}

	// ---- helpers: the only code that differs on 5a260f0 ------------------------------------------

	private static AsyncResilientRedisTemplate template(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		return context.getBean(AsyncResilientRedisTemplate.class);
	}

	private static CircuitBreaker breaker(AssertableApplicationContext context) {
		return context.getBean(CircuitBreaker.class);
	}

	private static WriteSequencer sequencer(AssertableApplicationContext context) {
		return context.getBean(WriteSequencer.class);
	}

	private static List<String> keysToReplay(AssertableApplicationContext context, int limit) {
		return context.getBean(RecoveryQueue.class).keysToReplay(limit);
	}

	private static CompletableFuture<Boolean> replay(WriteSequencer sequencer, String key) {
		return sequencer.replay(key, false);
	}

	// ---- helpers ------------------------------------------------------------------------------------

	/** Writes that may grow memory are refused with {@code OOM} from now on. */
	private static void fillMemory() {
		redis.admin().configSet("maxmemory-policy", "noeviction");
		redis.admin().configSet("maxmemory", "1");
	}

	private static void freeMemory() {
		redis.admin().configSet("maxmemory", "0");
	}

	private static long usedMemory() {
		return redis.admin()
			.info("memory")
			.lines()
			.filter((line) -> line.startsWith("used_memory:"))
			.mapToLong((line) -> Long.parseLong(line.substring("used_memory:".length()).trim()))
			.findFirst()
			.orElseThrow();
	}

	/** The final outcome of a write: its settlement if it was queued. */
	private static CompletableFuture<WriteOutcome> settled(WriteOutcome outcome) {
		return (outcome.status() == Status.QUEUED) ? outcome.settlement() : CompletableFuture.completedFuture(outcome);
	}

	private static void spin(long nanos) {
		long end = System.nanoTime() + nanos;
		while (System.nanoTime() - end < 0) {
			Thread.onSpinWait();
		}
	}

	/**
	 * Busy-wait (at most 100 ms) until a future is done: a race needs a reaction far
	 * below a scheduler tick.
	 */
	private static void spinUntilDone(CompletableFuture<?> future) {
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
		while (!future.isDone() && System.nanoTime() - end < 0) {
			Thread.onSpinWait();
		}
	}

	/** What {@code execute} refused with, thrown at once or through the future. */
	private static Throwable refusal(Throwable thrown) {
		Throwable current = thrown;
		while ((current instanceof CompletionException || current instanceof DataAccessException)
				&& current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

}
