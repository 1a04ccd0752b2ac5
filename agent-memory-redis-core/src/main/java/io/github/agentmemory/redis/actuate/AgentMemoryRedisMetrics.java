package io.github.agentmemory.redis.actuate;

import java.time.Instant;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.recovery.RecoveryListener;
import io.github.agentmemory.redis.recovery.RecoveryCounters;
import io.github.agentmemory.redis.recovery.RecoveryQueue;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Micrometer meters of the recovery queue:
 * <ul>
 * <li>{@code agent.memory.redis.recovery.queue.size} (gauge, tag {@code priority});</li>
 * <li>{@code agent.memory.redis.recovery.enqueued} and
 * {@code agent.memory.redis.recovery.replayed} (counters, tag {@code priority});</li>
 * <li>{@code agent.memory.redis.recovery.dropped} (counter, tags {@code priority} and
 * {@code reason});</li>
 * <li>{@code agent.memory.redis.retries} (counter, tag {@code priority}, {@code none} for
 * writes issued without one).</li>
 * </ul>
 * The circuit breaker's own meters come from Resilience4j ({@code resilience4j.circuitbreaker.*})
 * and the command latencies from Lettuce ({@code lettuce.command.*}).
 *
 * @author agent-memory-redis
 */
public class AgentMemoryRedisMetrics implements MeterBinder, RecoveryListener {

	private static final String PREFIX = "agent.memory.redis.";

	private final RecoveryQueue queue;

	private final RecoveryCounters counters;

	@Nullable
	private final RecoveryJournal journal;

	@Nullable
	private volatile MeterRegistry registry;

	/**
	 * The enqueued and replayed counters of the registry bound last, by priority: looked up
	 * once, not per write (a registry lookup sorts and hashes the tags; a drain counts
	 * hundreds of thousands of writes per second).
	 */
	private volatile Counter[][] priorityCounters;

	/**
	 * Create the meters' binder; it listens to the counters once bound.
	 * @param queue the recovery queue
	 * @param counters what happens to failed writes
	 */
	public AgentMemoryRedisMetrics(RecoveryQueue queue, RecoveryCounters counters) {
		this(queue, counters, null);
	}

	/**
	 * Create the meters' binder, with the recovery journal's meters.
	 * @param queue the recovery queue
	 * @param counters what happens to failed writes
	 * @param journal the recovery journal, if any
	 */
	public AgentMemoryRedisMetrics(RecoveryQueue queue, RecoveryCounters counters,
			@Nullable RecoveryJournal journal) {
		Assert.notNull(queue, "'queue' must not be null");
		Assert.notNull(counters, "'counters' must not be null");
		this.queue = queue;
		this.counters = counters;
		this.journal = journal;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (Priority priority : Priority.values()) {
			Gauge.builder(PREFIX + "recovery.queue.size", this.queue, (queue) -> queue.stats().size().get(priority))
				.tag("priority", priority.name())
				.description("Writes waiting in the recovery queue")
				.register(registry);
			counter(registry, "recovery.enqueued", priority).increment(0);
			counter(registry, "recovery.replayed", priority).increment(0);
		}
		Counter[][] byPriority = new Counter[2][Priority.values().length];
		for (Priority priority : Priority.values()) {
			byPriority[0][priority.ordinal()] = counter(registry, "recovery.enqueued", priority);
			byPriority[1][priority.ordinal()] = counter(registry, "recovery.replayed", priority);
		}
		this.priorityCounters = byPriority;
		if (this.journal != null) {
			bindJournal(registry, this.journal);
		}
		boolean first = this.registry == null;
		this.registry = registry;
		if (first) {
			this.counters.addListener(this);
		}
	}

	@Override
	public void enqueued(Priority priority) {
		Counter[][] byPriority = this.priorityCounters;
		if (byPriority != null) {
			byPriority[0][priority.ordinal()].increment();
		}
	}

	@Override
	public void replayed(Priority priority) {
		Counter[][] byPriority = this.priorityCounters;
		if (byPriority != null) {
			byPriority[1][priority.ordinal()].increment();
		}
	}

	@Override
	public void dropped(Priority priority, DropReason reason) {
		MeterRegistry registry = this.registry;
		if (registry != null) {
			Counter.builder(PREFIX + "recovery.dropped")
				.tag("priority", priority.name())
				.tag("reason", reason.name())
				.description("Writes given up")
				.register(registry)
				.increment();
		}
	}

	@Override
	public void retried(@Nullable Priority priority) {
		MeterRegistry registry = this.registry;
		if (registry != null) {
			Counter.builder(PREFIX + "retries")
				.tag("priority", (priority != null) ? priority.name() : "none")
				.description("Writes tried again after a failure")
				.register(registry)
				.increment();
		}
	}

	private static void bindJournal(MeterRegistry registry, RecoveryJournal journal) {
		String prefix = PREFIX + "recovery.journal.";
		Gauge.builder(prefix + "entries", journal, (j) -> j.stats().entries())
			.description("Writes kept in the recovery journal")
			.register(registry);
		Gauge.builder(prefix + "bytes", journal, (j) -> j.stats().bytes())
			.baseUnit("bytes")
			.description("Bytes of the writes kept in the recovery journal")
			.register(registry);
		Gauge.builder(prefix + "oldest.age", journal, (j) -> j.stats().oldestEntryAge(Instant.now()).toMillis() / 1000.0)
			.baseUnit("seconds")
			.description("Age of the oldest write in the recovery journal")
			.register(registry);
		Gauge.builder(prefix + "commit.latency", journal,
				(j) -> j.stats().averageCommitLatency().toNanos() / 1_000_000_000.0)
			.baseUnit("seconds")
			.description("Moving average of the journal's commit latency")
			.register(registry);
		FunctionCounter.builder(prefix + "recovered", journal, (j) -> j.stats().recovered())
			.description("Writes taken back from the journal at startup")
			.register(registry);
		FunctionCounter.builder(prefix + "corrupt", journal,
				(j) -> j.stats().corruptRecords() + j.stats().tornTailFrames())
			.description("Corrupt journal records and torn log frames found at startup")
			.register(registry);
	}

	private static Counter counter(MeterRegistry registry, String name, Priority priority) {
		return Counter.builder(PREFIX + name).tag("priority", priority.name()).register(registry);
	}

}
