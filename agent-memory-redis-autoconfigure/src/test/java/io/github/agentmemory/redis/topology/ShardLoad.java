package io.github.agentmemory.redis.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;

/**
 * A write load over a fixed set of keys spread over every master of a cluster: every
 * tick a few {@code SET key version}, the keys taken in turn and each key's versions
 * increasing, the priorities in turn none (plain), {@code CRITICAL}, {@code HIGH},
 * {@code NORMAL} and {@code LOW}. Every write records the master its key was served by
 * when the load started, when it was issued, its first and final status and when it got
 * its final status; every key the versions in the order the template reported them
 * applied.
 */
final class ShardLoad {

	private static final Priority[] PRIORITIES = { null, Priority.CRITICAL, Priority.HIGH, Priority.NORMAL,
			Priority.LOW };

	private final AsyncResilientRedisTemplate template;

	private final List<String> keys;

	private final Map<String, Integer> masters;

	private final List<Write> writes = Collections.synchronizedList(new ArrayList<>());

	private final Map<String, List<Long>> applied = new ConcurrentHashMap<>();

	private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor((runnable) -> {
		Thread thread = new Thread(runnable, "shard-load");
		thread.setDaemon(true);
		return thread;
	});

	private long issued;

	private ShardLoad(AsyncResilientRedisTemplate template, Map<String, Integer> masters, int perTick,
			Duration tick) {
		this.template = template;
		this.masters = masters;
		this.keys = List.copyOf(masters.keySet());
		this.keys.forEach((key) -> this.applied.put(key, Collections.synchronizedList(new ArrayList<>())));
		this.ticker.scheduleAtFixedRate(() -> {
			for (int i = 0; i < perTick; i++) {
				issue();
			}
		}, tick.toNanos(), tick.toNanos(), TimeUnit.NANOSECONDS);
	}

	/**
	 * Start a load.
	 * @param template the template
	 * @param masters the keys, each with the port of the master that serves it
	 * @param perTick writes per tick
	 * @param tick time between ticks
	 * @return the running load
	 */
	static ShardLoad start(AsyncResilientRedisTemplate template, Map<String, Integer> masters, int perTick,
			Duration tick) {
		return new ShardLoad(template, masters, perTick, tick);
	}

	private void issue() {
		long n = this.issued++;
		String key = this.keys.get((int) (n % this.keys.size()));
		long version = n / this.keys.size();
		Priority priority = PRIORITIES[(int) (n % PRIORITIES.length)];
		Write write = new Write(key, this.masters.get(key), version, priority, System.nanoTime());
		this.writes.add(write);
		List<Long> order = this.applied.get(key);
		if (priority == null) {
			this.template.set(key, String.valueOf(version)).whenComplete((set, error) -> {
				write.first = (error == null) ? Status.APPLIED : Status.FAILED;
				if (error == null) {
					order.add(version);
				}
				write.settled((error == null) ? Status.APPLIED : Status.FAILED, error);
			});
			return;
		}
		this.template.write(RedisWrite.set(key, String.valueOf(version)), priority).thenCompose((first) -> {
			write.first = first.status();
			return (first.status() == Status.QUEUED) ? first.settlement() : CompletableFuture.completedFuture(first);
		}).whenComplete((last, error) -> {
			if (last != null && last.status() == Status.APPLIED) {
				order.add(version);
			}
			write.settled((last != null) ? last.status() : Status.FAILED, (last != null) ? last.cause() : error);
		});
	}

	/**
	 * Stop issuing writes.
	 */
	void stop() {
		this.ticker.shutdown();
		try {
			this.ticker.awaitTermination(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	List<Write> writes() {
		synchronized (this.writes) {
			return List.copyOf(this.writes);
		}
	}

	long count(Predicate<Write> filter) {
		return writes().stream().filter(filter).count();
	}

	boolean isSettled() {
		return writes().stream().allMatch(Write::isSettled);
	}

	/**
	 * Final statuses of the matching writes, per kind ("PLAIN" or the priority).
	 */
	Map<String, Map<Status, Long>> statuses(Predicate<Write> filter) {
		Map<String, Map<Status, Long>> counts = new LinkedHashMap<>();
		for (Write write : writes()) {
			if (filter.test(write)) {
				counts.computeIfAbsent(write.kind(), (k) -> new EnumMap<>(Status.class))
					.merge(write.isSettled() ? write.last : Status.QUEUED, 1L, Long::sum);
			}
		}
		return counts;
	}

	/**
	 * Why the matching writes were not applied at once, counted.
	 */
	Map<String, Long> causes(Predicate<Write> filter) {
		Map<String, Long> counts = new TreeMap<>();
		for (Write write : writes()) {
			if (filter.test(write) && write.cause != null) {
				Throwable root = write.cause;
				while (root.getCause() != null && root.getCause() != root) {
					root = root.getCause();
				}
				String text = write.kind() + " " + write.last + ": " + root.getClass().getSimpleName() + " "
						+ String.valueOf(root.getMessage()).replaceAll("[0-9]+", "N");
				counts.merge(text, 1L, Long::sum);
			}
		}
		return counts;
	}

	/**
	 * The versions of each key in the order they were reported applied.
	 */
	Map<String, List<Long>> appliedOrder() {
		Map<String, List<Long>> order = new LinkedHashMap<>();
		this.applied.forEach((key, versions) -> {
			synchronized (versions) {
				order.put(key, List.copyOf(versions));
			}
		});
		return order;
	}

	/**
	 * The keys whose stored value is older than their latest acknowledged write (a lost
	 * write), or is neither that write nor a later write the caller was not told applied
	 * (a stale value).
	 * @param stored the keys and values Redis holds
	 * @return key to a description of what is wrong
	 */
	Map<String, String> lostOrStale(Map<String, String> stored) {
		Map<String, Long> acknowledged = new LinkedHashMap<>();
		Map<String, List<Long>> unacknowledged = new LinkedHashMap<>();
		for (Write write : writes()) {
			if (write.last == Status.APPLIED) {
				acknowledged.merge(write.key, write.version, Math::max);
			}
			else {
				unacknowledged.computeIfAbsent(write.key, (k) -> new ArrayList<>()).add(write.version);
			}
		}
		Map<String, String> wrong = new TreeMap<>();
		acknowledged.forEach((key, version) -> {
			String value = stored.get(key);
			long storedVersion = (value != null) ? Long.parseLong(value) : -1;
			if (storedVersion < version) {
				wrong.put(key, "lost: stored " + value + ", acknowledged " + version);
			}
			else if (storedVersion > version && !unacknowledged.getOrDefault(key, List.of()).contains(storedVersion)) {
				wrong.put(key, "stale: stored " + value + ", acknowledged " + version);
			}
		});
		return wrong;
	}

	/**
	 * One write of the load.
	 */
	static final class Write {

		final String key;

		/** The port of the master that served the key when the load started. */
		final int master;

		final long version;

		/** {@code null} for a plain write. */
		final Priority priority;

		final long issuedNanos;

		volatile Status first;

		volatile Status last;

		volatile Throwable cause;

		volatile long settledNanos;

		Write(String key, int master, long version, Priority priority, long issuedNanos) {
			this.key = key;
			this.master = master;
			this.version = version;
			this.priority = priority;
			this.issuedNanos = issuedNanos;
		}

		void settled(Status status, Throwable cause) {
			this.cause = cause;
			this.settledNanos = System.nanoTime();
			this.last = status;
		}

		boolean isSettled() {
			return this.last != null;
		}

		boolean issuedBetween(long from, long to) {
			return this.issuedNanos - from >= 0 && this.issuedNanos - to < 0;
		}

		String kind() {
			return (this.priority != null) ? this.priority.name() : "PLAIN";
		}

	}

}
