package io.github.agentmemory.redis.chaos;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.chaos.WriteHistory.Entry;
import io.github.agentmemory.redis.chaos.WriteHistory.Kind;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.ZAddOptions;
import io.github.agentmemory.redis.resilience.RetryPolicy;

/**
 * A steady, mixed-priority write load: overwrites of a few string keys, new fields of a
 * few hashes and new members of a few sorted sets, every write versioned in issue order
 * and recorded in a {@link WriteHistory}. Bounded: at most {@code maxInFlight} writes
 * without an answer, and it stops when told to.
 */
final class ChaosLoad implements AutoCloseable {

	static final RetryPolicy CRITICAL_RETRIES = RetryPolicy.builder()
		.maxAttempts(4)
		.initialInterval(Duration.ofMillis(20))
		.maxInterval(Duration.ofMillis(100))
		.build();

	private final AsyncResilientRedisTemplate template;

	private final WriteHistory history;

	private final int keys;

	private final Semaphore inFlight;

	private final Random random = new Random(42);

	private final AtomicLong version = new AtomicLong();

	private final java.util.function.Supplier<String> phase;

	private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "chaos-load");
		thread.setDaemon(true);
		return thread;
	});

	ChaosLoad(AsyncResilientRedisTemplate template, WriteHistory history, int keys, int maxInFlight,
			java.util.function.Supplier<String> phase) {
		this.phase = phase;
		this.template = template;
		this.history = history;
		this.keys = keys;
		this.inFlight = new Semaphore(maxInFlight);
	}

	void start() {
		this.ticker.scheduleAtFixedRate(this::tick, 0, 2, TimeUnit.MILLISECONDS);
	}

	long issued() {
		return this.version.get();
	}

	private void tick() {
		for (int i = 0; i < 2 && this.inFlight.tryAcquire(); i++) {
			issue();
		}
	}

	private void issue() {
		long version = this.version.incrementAndGet();
		Kind kind = Kind.values()[this.random.nextInt(Kind.values().length)];
		String key = prefix(kind) + this.random.nextInt(this.keys);
		Priority priority = priority(this.random.nextInt(100));
		RedisWrite write = write(kind, key, version);
		Entry entry = this.history.issued(key, kind, version, priority, this.phase.get());
		if (priority == null) {
			plain(write).whenComplete((reply, error) -> {
				entry.plainError = error;
				entry.plainApplied = (error == null);
				this.inFlight.release();
			});
			return;
		}
		CompletableFuture<WriteOutcome> outcome = (priority == Priority.CRITICAL)
				? this.template.write(write, priority, CRITICAL_RETRIES) : this.template.write(write, priority);
		outcome.whenComplete((first, error) -> {
			this.inFlight.release();
			if (error != null) {
				entry.finalOutcome = WriteOutcome.failed(write, error);
				return;
			}
			entry.firstCause = first.cause();
			entry.firstStatus = first.status();
			first.settlement().whenComplete((last, ex) -> entry.finalOutcome = last);
		});
	}

	private CompletableFuture<?> plain(RedisWrite write) {
		if (write instanceof RedisWrite.Set set) {
			return this.template.set(set.key(), set.value());
		}
		if (write instanceof RedisWrite.HashSet hash) {
			return this.template.hsetAll(hash.key(), hash.fields());
		}
		RedisWrite.SortedSetAdd add = (RedisWrite.SortedSetAdd) write;
		return this.template.zadd(add.key(), add.members());
	}

	static String prefix(Kind kind) {
		return switch (kind) {
			case STRING -> "chaos:s:";
			case HASH -> "chaos:h:";
			case SORTED_SET -> "chaos:z:";
		};
	}

	static RedisWrite write(Kind kind, String key, long version) {
		return switch (kind) {
			case STRING -> RedisWrite.set(key, Long.toString(version));
			case HASH -> {
				Map<String, String> fields = new LinkedHashMap<>();
				fields.put("f" + version, Long.toString(version));
				fields.put("last", Long.toString(version));
				yield RedisWrite.hset(key, fields);
			}
			case SORTED_SET -> RedisWrite.zadd(key, Map.of("m" + version, (double) version), ZAddOptions.none());
		};
	}

	private static Priority priority(int dice) {
		if (dice < 10) {
			return null;
		}
		if (dice < 20) {
			return Priority.CRITICAL;
		}
		if (dice < 45) {
			return Priority.HIGH;
		}
		if (dice < 90) {
			return Priority.NORMAL;
		}
		return Priority.LOW;
	}

	@Override
	public void close() {
		this.ticker.shutdownNow();
		try {
			this.ticker.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
