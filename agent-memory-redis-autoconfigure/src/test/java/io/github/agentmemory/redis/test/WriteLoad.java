package io.github.agentmemory.redis.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome.Status;

/**
 * A bounded write load on a template: every tick it issues a few {@code SET}s to new
 * keys ({@code prefix + n} = {@code "v" + n}), in turn plain (no priority: retried, then
 * the error goes to the caller), {@code CRITICAL}, {@code HIGH} and {@code NORMAL}. It
 * stops by itself after {@code maxWrites} writes or {@code maxDuration}, or when
 * {@link #stop()} is called. A write counts as acknowledged once the template reported
 * it applied: the plain future completed, or the outcome (or, if queued, its
 * settlement) is {@code APPLIED}.
 */
public final class WriteLoad implements AutoCloseable {

	private static final Priority[] PRIORITIES = { null, Priority.CRITICAL, Priority.HIGH, Priority.NORMAL };

	private final AsyncResilientRedisTemplate template;

	private final String prefix;

	private final int perTick;

	private final int maxWrites;

	private final long deadline;

	private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor((runnable) -> {
		Thread thread = new Thread(runnable, "write-load");
		thread.setDaemon(true);
		return thread;
	});

	private final List<Issued> issued = new ArrayList<>();

	private final Map<String, Long> failures = new java.util.concurrent.ConcurrentHashMap<>();

	private final ScheduledFuture<?> ticks;

	private volatile boolean done;

	private WriteLoad(AsyncResilientRedisTemplate template, String prefix, int perTick, Duration tick, int maxWrites,
			Duration maxDuration) {
		this.template = template;
		this.prefix = prefix;
		this.perTick = perTick;
		this.maxWrites = maxWrites;
		this.deadline = System.nanoTime() + maxDuration.toNanos();
		this.ticks = this.ticker.scheduleAtFixedRate(this::tick, tick.toNanos(), tick.toNanos(), TimeUnit.NANOSECONDS);
	}

	/**
	 * Start a load.
	 * @param template the template to write through
	 * @param prefix prefix of the keys
	 * @param perTick writes issued per tick
	 * @param tick time between two ticks
	 * @param maxWrites most writes issued in all
	 * @param maxDuration longest time the load runs
	 * @return the running load
	 */
	public static WriteLoad start(AsyncResilientRedisTemplate template, String prefix, int perTick, Duration tick,
			int maxWrites, Duration maxDuration) {
		return new WriteLoad(template, prefix, perTick, tick, maxWrites, maxDuration);
	}

	private void tick() {
		for (int i = 0; i < this.perTick && !this.done; i++) {
			int n;
			synchronized (this.issued) {
				n = this.issued.size();
				if (n >= this.maxWrites || System.nanoTime() - this.deadline > 0) {
					this.done = true;
					return;
				}
			}
			String key = this.prefix + n;
			String value = "v" + n;
			Priority priority = PRIORITIES[n % PRIORITIES.length];
			CompletableFuture<Status> status;
			if (priority == null) {
				status = this.template.set(key, value).handle((set, ex) -> {
					if (ex != null) {
						failure("PLAIN", ex);
						return Status.FAILED;
					}
					return Status.APPLIED;
				});
			}
			else {
				status = this.template.write(RedisWrite.set(key, value), priority)
					.thenCompose((outcome) -> (outcome.status() == Status.QUEUED) ? outcome.settlement()
							: CompletableFuture.completedFuture(outcome))
					.thenApply((outcome) -> {
						if (outcome.status() != Status.APPLIED) {
							failure(priority.name() + " " + outcome.status() + " "
									+ ((outcome.dropReason() != null) ? outcome.dropReason() : ""), outcome.cause());
						}
						return outcome.status();
					});
			}
			synchronized (this.issued) {
				this.issued.add(new Issued(key, value, priority, status));
			}
		}
	}

	private void failure(String kind, Throwable cause) {
		Throwable root = cause;
		while (root != null && root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String reason = kind + ": " + ((root != null) ? root.getClass().getSimpleName() + " " + root.getMessage() : "");
		this.failures.merge(reason, 1L, Long::sum);
	}

	/**
	 * Why writes were not applied, with how often.
	 * @return reason to count
	 */
	public Map<String, Long> failures() {
		return new java.util.TreeMap<>(this.failures);
	}

	/**
	 * Number of writes issued so far.
	 * @return the count
	 */
	public int issuedCount() {
		synchronized (this.issued) {
			return this.issued.size();
		}
	}

	/**
	 * Number of writes acknowledged so far.
	 * @return the count
	 */
	public long acknowledgedCount() {
		return snapshot().stream().filter(Issued::acknowledged).count();
	}

	/**
	 * Stop issuing writes.
	 */
	public void stop() {
		this.done = true;
		this.ticks.cancel(false);
		this.ticker.shutdown();
		try {
			this.ticker.awaitTermination(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Whether every issued write has its final status.
	 * @return whether all are settled
	 */
	public boolean isSettled() {
		return snapshot().stream().allMatch((write) -> write.status().isDone());
	}

	/**
	 * The writes issued so far.
	 * @return a copy
	 */
	public List<Issued> snapshot() {
		synchronized (this.issued) {
			return List.copyOf(this.issued);
		}
	}

	/**
	 * The acknowledged writes, as the keys and values Redis must now hold.
	 * @return key to value
	 */
	public Map<String, String> acknowledged() {
		Map<String, String> acknowledged = new LinkedHashMap<>();
		for (Issued write : snapshot()) {
			if (write.acknowledged()) {
				acknowledged.put(write.key(), write.value());
			}
		}
		return acknowledged;
	}

	/**
	 * Final statuses per kind of write ("PLAIN" or the priority).
	 * @return counts
	 */
	public Map<String, Map<Status, Long>> statuses() {
		Map<String, Map<Status, Long>> counts = new LinkedHashMap<>();
		for (Issued write : snapshot()) {
			String kind = (write.priority() != null) ? write.priority().name() : "PLAIN";
			Status status = write.status().getNow(null);
			counts.computeIfAbsent(kind, (k) -> new EnumMap<>(Status.class))
				.merge((status != null) ? status : Status.QUEUED, 1L, Long::sum);
		}
		return counts;
	}

	@Override
	public void close() {
		stop();
	}

	/**
	 * One issued write.
	 * @param key its key
	 * @param value its value
	 * @param priority its priority, {@code null} for a plain write
	 * @param status its final status
	 */
	public record Issued(String key, String value, Priority priority, CompletableFuture<Status> status) {

		/**
		 * Whether the template reported the write applied.
		 * @return whether it is acknowledged
		 */
		public boolean acknowledged() {
			return this.status.getNow(null) == Status.APPLIED;
		}

	}

}
