package io.github.agentmemory.redis.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.recovery.RecoveryQueue;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.lang.Nullable;

/**
 * Queue N NORMAL writes (distinct keys, distinct 100-byte values) while the server is
 * down, measure the heap they take, restart the server and time the replay until all are
 * applied.
 */
final class RecoverySection {

	private final Options options;

	private final RedisProcess redis;

	int writes;

	long enqueueNanos;

	long heapBefore;

	long heapAfter;

	long queuedSize;

	long notQueued;

	long restartToFirstNanos = -1;

	long firstToLastNanos = -1;

	long restartToAllNanos = -1;

	int applied;

	int dropped;

	long keysInRedis;

	long replayCpuNanos;

	Map<String, Object> properties;

	List<HeapHistogram.Row> growth = List.of();

	/** The flush-consolidation setting, or {@code null} for the default. */
	@Nullable
	private final Boolean flushConsolidation;

	private final String title;

	RecoverySection(Options options, RedisProcess redis, @Nullable Boolean flushConsolidation, String title) {
		this.options = options;
		this.redis = redis;
		this.flushConsolidation = flushConsolidation;
		this.title = title;
	}

	static String value(int i) {
		String prefix = Integer.toString(i);
		return prefix + VALUE_FILL.substring(prefix.length());
	}

	private static final String VALUE_FILL = Workload.text("r", Workload.VALUE_BYTES);

	/**
	 * Warm the template up, then SIGKILL Redis and call until the circuit is open (at most
	 * 20 s): from then on writes are queued without reaching Redis.
	 */
	static void warmUpThenKill(AsyncResilientRedisTemplate template, CircuitBreaker breaker, RedisProcess redis) {
		for (int i = 0; i < 1000; i++) {
			template.set("bench:warm:" + i, "x").join();
		}
		redis.admin().flushall();
		redis.kill();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (breaker.getState() != CircuitBreaker.State.OPEN && System.nanoTime() - deadline < 0) {
			template.get("bench:probe").handle((v, e) -> null).join();
		}
	}

	static long usedHeapAfterGc() throws InterruptedException {
		long used = Long.MAX_VALUE;
		for (int i = 0; i < 4; i++) {
			System.gc();
			Thread.sleep(100);
			used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
		}
		return used;
	}

	void run() throws Exception {
		this.writes = this.options.drainWrites;
		this.redis.admin().flushall();
		this.properties = Contexts.userProperties(this.redis.host(), this.redis.port());
		this.properties.put("agent-memory.redis.recovery.capacity", Math.max(100_000, this.writes * 2));
		this.properties.put("agent-memory.redis.circuit-breaker.wait-duration-in-open-state", "1s");
		if (this.flushConsolidation != null) {
			this.properties.put("agent-memory.redis.flush-consolidation.enabled", this.flushConsolidation);
		}
		try (ConfigurableApplicationContext context = Contexts.start(Contexts.UserSetup.class, this.properties)) {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			RecoveryQueue queue = context.getBean(RecoveryQueue.class);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			warmUpThenKill(template, breaker, this.redis);
			// the caller keeps nothing: what stays on the heap is what the queue holds
			this.heapBefore = usedHeapAfterGc();
			HeapHistogram histogramBefore = HeapHistogram.take();
			long start = System.nanoTime();
			for (int i = 0; i < this.writes; i++) {
				CompletableFuture<WriteOutcome> outcome = template.write(RedisWrite.set("bench:r:" + i, value(i)),
						Priority.NORMAL);
				WriteOutcome now = outcome.getNow(null);
				if (now == null || now.status() != WriteOutcome.Status.QUEUED) {
					this.notQueued++;
				}
			}
			this.enqueueNanos = System.nanoTime() - start;
			this.heapAfter = usedHeapAfterGc();
			this.growth = HeapHistogram.take().growthSince(histogramBefore, 12);
			this.queuedSize = queue.size();

			long replayedBefore = replayed(template);
			long cpu0 = LoadRunner.processCpuNanos();
			long restartedAt = System.nanoTime();
			this.redis.start();
			long first = -1;
			long last = -1;
			long end = restartedAt + TimeUnit.SECONDS.toNanos(this.options.drainTimeoutSeconds);
			int size = queue.size();
			StringBuilder trace = new StringBuilder();
			long lastTrace = 0;
			while (size > 0 && System.nanoTime() - end < 0) {
				LockSupport.parkNanos(200_000);
				size = queue.size();
				long now = System.nanoTime();
				if (this.options.drainTrace != null && now - lastTrace > 5_000_000) {
					trace.append((now - restartedAt) / 1_000_000).append(' ').append(size).append(' ')
						.append(breaker.getState()).append('\n');
					lastTrace = now;
				}
				// the first write applied by a replay (not the queue's size: a probe taken out of the
				// queue and put back while the circuit is still open would look like a start)
				if (first < 0 && replayed(template) > replayedBefore) {
					first = System.nanoTime();
				}
			}
			// an empty queue is not the end: the last round's writes leave the queue when they are
			// sent, and are applied a round trip later
			long target = replayedBefore + this.queuedSize;
			while (replayed(template) < target && this.dropped(template) == 0 && System.nanoTime() - end < 0) {
				LockSupport.parkNanos(200_000);
			}
			last = System.nanoTime();
			if (this.options.drainTrace != null) {
				java.nio.file.Files.writeString(java.nio.file.Path.of(this.options.drainTrace + "-" + this.title.replace(' ', '_')
						.replace(',', '_') + ".txt"), trace);
			}
			if (size > 0) {
				System.out.println("  ! drain did not finish in " + this.options.drainTimeoutSeconds + " s");
			}
			this.replayCpuNanos = LoadRunner.processCpuNanos() - cpu0;
			this.applied = (int) (replayed(template) - replayedBefore);
			this.dropped = (int) template.recoveryStats().dropped().values().stream().mapToLong(Long::longValue).sum();
			if (first > 0) {
				this.restartToFirstNanos = first - restartedAt;
				this.firstToLastNanos = last - first;
			}
			this.restartToAllNanos = last - restartedAt;
			this.keysInRedis = this.redis.admin().dbsize();
		}
	}

	private long dropped(AsyncResilientRedisTemplate template) {
		return template.recoveryStats().dropped().values().stream().mapToLong(Long::longValue).sum();
	}

	private static long replayed(AsyncResilientRedisTemplate template) {
		return template.recoveryStats().replayed().values().stream().mapToLong(Long::longValue).sum();
	}

	double bytesPerEntry() {
		return (double) (this.heapAfter - this.heapBefore) / this.writes;
	}

	static double dataBytesPerEntry() {
		// the caller's own key ("bench:r:" + i, ~13 Latin-1 chars) and 100-char value Strings:
		// String object 24 B + byte[] (16 B header + length, 8-byte aligned)
		return (24 + align(16 + 13)) + (24 + align(16 + Workload.VALUE_BYTES));
	}

	private static long align(long bytes) {
		return (bytes + 7) / 8 * 8;
	}

	double drainPerSecond() {
		return (this.applied > 0 && this.firstToLastNanos > 0) ? this.applied * 1e9 / this.firstToLastNanos
				: Double.NaN;
	}

	void report(StringBuilder out) {
		out.append("### Recovery drain: ").append(this.title).append("\n\n");
		out.append(Stats.f("%,d `write(RedisWrite.set(key, value), Priority.NORMAL)` calls (distinct keys, distinct "
				+ "100-byte values) while the server is killed and the circuit open; then the server is restarted. "
				+ "User setup (actuator and metrics on, `spring.data.redis.timeout=2s`, no other traffic). "
				+ "Settings: %s; everything else default.\n\n", this.writes,
				this.properties.entrySet()
					.stream()
					.filter((e) -> e.getKey().startsWith("agent-memory"))
					.map((e) -> "`" + e.getKey() + "=" + e.getValue() + "`")
					.toList()));
		out.append("| measure | value |\n|---|---:|\n");
		out.append(Stats.f("| queuing: time per `write()` call (caller thread) | %s µs |\n",
				Stats.num(this.enqueueNanos / 1e3 / this.writes)));
		out.append(Stats.f("| queue size after queuing / outcomes not QUEUED | %,d / %d |\n", this.queuedSize,
				this.notQueued));
		out.append(Stats.f("| heap after GC: before → after queuing | %,d → %,d bytes |\n", this.heapBefore,
				this.heapAfter));
		out.append(Stats.f("| **heap per queued write** (all of it: the write's own key+value Strings ≈ %.0f B included) | %s bytes |\n",
				dataBytesPerEntry(), Stats.num(bytesPerEntry())));
		out.append(Stats.f("| restart → first replayed write applied | %s ms |\n", Stats.num(this.restartToFirstNanos / 1e6)));
		out.append(Stats.f("| from then → last replayed write applied | %s ms |\n", Stats.num(this.firstToLastNanos / 1e6)));
		out.append(Stats.f("| **drain rate** (writes / time from first to last applied) | %s writes/s |\n", Stats.num(drainPerSecond())));
		out.append(Stats.f("| restart → all applied | %s ms |\n", Stats.num(this.restartToAllNanos / 1e6)));
		out.append(Stats.f("| client CPU during replay, per write | %s µs |\n",
				Stats.num(this.replayCpuNanos / 1e3 / Math.max(1, this.applied))));
		out.append(Stats.f("| replayed / dropped / keys in Redis afterwards | %,d / %,d / %,d |\n\n", this.applied,
				this.dropped, this.keysInRedis));
		if (!this.growth.isEmpty()) {
			out.append("What one queued write holds (live heap growth by class, `GC.class_histogram`, per write):\n\n");
			out.append("| class | instances per write | bytes per write |\n|---|---:|---:|\n");
			for (HeapHistogram.Row row : this.growth) {
				out.append(Stats.f("| `%s` | %.2f | %.1f |\n", row.className(), (double) row.instances() / this.writes,
						(double) row.bytes() / this.writes));
			}
			out.append('\n');
		}
	}

}
