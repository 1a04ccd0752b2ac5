package io.github.agentmemory.redis.autoconfigure;

import java.time.Duration;

import io.github.agentmemory.redis.command.StoreFunction;
import io.github.agentmemory.redis.recovery.journal.JournalSync;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties of the resilient Redis template. Connection settings are
 * Spring Boot's own {@code spring.data.redis.*}.
 *
 * @author agent-memory-redis
 */
@ConfigurationProperties("agent-memory.redis")
public class AgentMemoryRedisProperties implements InitializingBean {

	/**
	 * Whether to auto-configure the resilient Redis templates.
	 */
	private boolean enabled = true;

	private final CircuitBreaker circuitBreaker = new CircuitBreaker();

	private final Retry retry = new Retry();

	private final FailFast failFast = new FailFast();

	private final ClusterRefresh clusterRefresh = new ClusterRefresh();

	private final FlushConsolidation flushConsolidation = new FlushConsolidation();

	private final CommandLatency commandLatency = new CommandLatency();

	private final Scheduler scheduler = new Scheduler();

	private final Recovery recovery = new Recovery();

	private final AgentState agentState = new AgentState();

	private final Health health = new Health();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public CircuitBreaker getCircuitBreaker() {
		return this.circuitBreaker;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public FailFast getFailFast() {
		return this.failFast;
	}

	public ClusterRefresh getClusterRefresh() {
		return this.clusterRefresh;
	}

	public FlushConsolidation getFlushConsolidation() {
		return this.flushConsolidation;
	}

	public CommandLatency getCommandLatency() {
		return this.commandLatency;
	}

	public Scheduler getScheduler() {
		return this.scheduler;
	}

	public Recovery getRecovery() {
		return this.recovery;
	}

	public AgentState getAgentState() {
		return this.agentState;
	}

	public Health getHealth() {
		return this.health;
	}

	/**
	 * Check the bound values, so that a bad setting fails startup with a message that
	 * names its key.
	 */
	@Override
	public void afterPropertiesSet() {
		String prefix = "agent-memory.redis.";
		check(this.circuitBreaker.failureThreshold >= 1, prefix + "circuit-breaker.failure-threshold",
				"at least 1", this.circuitBreaker.failureThreshold);
		checkDuration(prefix + "circuit-breaker.wait-duration-in-open-state",
				this.circuitBreaker.waitDurationInOpenState);
		check(this.circuitBreaker.permittedCallsInHalfOpenState >= 1,
				prefix + "circuit-breaker.permitted-calls-in-half-open-state", "at least 1",
				this.circuitBreaker.permittedCallsInHalfOpenState);
		check(this.retry.maxAttempts >= 1, prefix + "retry.max-attempts", "at least 1 (no retry)",
				this.retry.maxAttempts);
		checkDuration(prefix + "retry.initial-interval", this.retry.initialInterval);
		checkDuration(prefix + "retry.max-interval", this.retry.maxInterval);
		check(this.retry.multiplier >= 1 && Double.isFinite(this.retry.multiplier), prefix + "retry.multiplier",
				"a finite number of at least 1", this.retry.multiplier);
		check(this.retry.jitter >= 0 && this.retry.jitter < 1, prefix + "retry.jitter", "at least 0 and below 1",
				this.retry.jitter);
		if (this.retry.initialInterval.compareTo(this.retry.maxInterval) > 0) {
			String rule = "must not exceed " + prefix + "retry.max-interval (" + this.retry.maxInterval + ")";
			throw new InvalidAgentMemoryRedisPropertyException(prefix + "retry.initial-interval",
					this.retry.initialInterval,
					rule, prefix + "retry.initial-interval (" + this.retry.initialInterval + ") " + rule);
		}
		check(this.failFast.requestQueueSize >= 1, prefix + "fail-fast.request-queue-size", "at least 1",
				this.failFast.requestQueueSize);
		checkDuration(prefix + "fail-fast.command-timeout", this.failFast.commandTimeout);
		checkDuration(prefix + "fail-fast.connect-timeout", this.failFast.connectTimeout);
		checkDuration(prefix + "fail-fast.max-reconnect-delay", this.failFast.maxReconnectDelay);
		checkDuration(prefix + "cluster-refresh.period", this.clusterRefresh.period);
		checkDuration(prefix + "cluster-refresh.adaptive-timeout", this.clusterRefresh.adaptiveTimeout);
		check(this.flushConsolidation.explicitFlushAfterFlushes >= 1,
				prefix + "flush-consolidation.explicit-flush-after-flushes", "at least 1",
				this.flushConsolidation.explicitFlushAfterFlushes);
		check(this.scheduler.poolSize >= 1, prefix + "scheduler.pool-size", "at least 1", this.scheduler.poolSize);
		check(this.recovery.capacity >= 1, prefix + "recovery.capacity", "at least 1", this.recovery.capacity);
		checkDuration(prefix + "recovery.poll-interval", this.recovery.pollInterval);
		check(this.recovery.batchSize >= 1, prefix + "recovery.batch-size", "at least 1", this.recovery.batchSize);
		check(this.recovery.maxAttempts >= 1, prefix + "recovery.max-attempts", "at least 1",
				this.recovery.maxAttempts);
		checkDuration(prefix + "recovery.max-age", this.recovery.maxAge);
		checkDuration(prefix + "recovery.max-interval", this.recovery.maxInterval);
		Recovery.Journal journal = this.recovery.journal;
		if (journal.enabled) {
			check(journal.path != null && !journal.path.isBlank(), prefix + "recovery.journal.path",
					"set to a directory when the journal is enabled", journal.path);
		}
		check(journal.maxEntries >= 1, prefix + "recovery.journal.max-entries", "at least 1", journal.maxEntries);
		check(journal.maxBytes != null && journal.maxBytes.toBytes() >= 1, prefix + "recovery.journal.max-bytes",
				"at least 1B", journal.maxBytes);
		check(journal.maxBatch >= 1, prefix + "recovery.journal.max-batch", "at least 1", journal.maxBatch);
		check(this.recovery.shutdownTimeout != null && !this.recovery.shutdownTimeout.isNegative(),
				prefix + "recovery.shutdown-timeout", "0 or more", this.recovery.shutdownTimeout);
		checkDuration(prefix + "health.latency-interval", this.health.latencyInterval);
		check(this.agentState.keyPattern != null && this.agentState.keyPattern.contains(StoreFunction.ID_PLACEHOLDER),
				prefix + "agent-state.key-pattern", "a key containing " + StoreFunction.ID_PLACEHOLDER,
				this.agentState.keyPattern);
	}

	static void check(boolean valid, String key, String expected, Object actual) {
		if (!valid) {
			throw new InvalidAgentMemoryRedisPropertyException(key, actual, "must be " + expected);
		}
	}

	static void checkDuration(String key, Duration duration) {
		check(duration != null && duration.toMillis() >= 1, key, "at least 1ms", duration);
	}

	/**
	 * Circuit breaker settings: the base of the {@code agent-memory-redis} breaker, which
	 * {@code resilience4j.circuitbreaker.configs.default.*} and
	 * {@code resilience4j.circuitbreaker.instances.agent-memory-redis.*} override key by
	 * key.
	 */
	public static class CircuitBreaker {

		/**
		 * Number of consecutive failed calls that open the circuit.
		 */
		private int failureThreshold = 3;

		/**
		 * Time the circuit stays open before probe calls are let through.
		 */
		private Duration waitDurationInOpenState = Duration.ofSeconds(300);

		/**
		 * Number of probe calls let through once the circuit is half-open.
		 */
		private int permittedCallsInHalfOpenState = 1;

		public int getFailureThreshold() {
			return this.failureThreshold;
		}

		public void setFailureThreshold(int failureThreshold) {
			this.failureThreshold = failureThreshold;
		}

		public Duration getWaitDurationInOpenState() {
			return this.waitDurationInOpenState;
		}

		public void setWaitDurationInOpenState(Duration waitDurationInOpenState) {
			this.waitDurationInOpenState = waitDurationInOpenState;
		}

		public int getPermittedCallsInHalfOpenState() {
			return this.permittedCallsInHalfOpenState;
		}

		public void setPermittedCallsInHalfOpenState(int permittedCallsInHalfOpenState) {
			this.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
		}

	}

	/**
	 * Retry settings of idempotent calls after transient faults.
	 */
	public static class Retry {

		/**
		 * Number of attempts of a call, counting the first; 1 disables retrying.
		 */
		private int maxAttempts = 4;

		/**
		 * Wait before the first retry.
		 */
		private Duration initialInterval = Duration.ofMillis(500);

		/**
		 * Factor by which the wait grows from one retry to the next.
		 */
		private double multiplier = 2.0;

		/**
		 * Longest wait between two attempts.
		 */
		private Duration maxInterval = Duration.ofSeconds(30);

		/**
		 * Randomisation factor of each wait, from 0 (none) to below 1.
		 */
		private double jitter = 0.5;

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getInitialInterval() {
			return this.initialInterval;
		}

		public void setInitialInterval(Duration initialInterval) {
			this.initialInterval = initialInterval;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(Duration maxInterval) {
			this.maxInterval = maxInterval;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

	}

	/**
	 * Lettuce client options that make calls fail fast while Redis is unreachable. They
	 * change the application's shared {@code LettuceConnectionFactory}.
	 */
	public static class FailFast {

		/**
		 * Whether to reject commands while disconnected instead of buffering them, bound
		 * Lettuce's request queue and enable TCP keepalive.
		 */
		private boolean enabled = true;

		/**
		 * Most commands Lettuce holds per connection before rejecting new ones.
		 */
		private int requestQueueSize = 100_000;

		/**
		 * Command timeout used when spring.data.redis.timeout is not set.
		 */
		private Duration commandTimeout = Duration.ofSeconds(2);

		/**
		 * Connect timeout used when spring.data.redis.connect-timeout is not set.
		 */
		private Duration connectTimeout = Duration.ofSeconds(2);

		/**
		 * Longest wait between two of Lettuce's reconnect attempts.
		 */
		private Duration maxReconnectDelay = Duration.ofSeconds(2);

		public Duration getMaxReconnectDelay() {
			return this.maxReconnectDelay;
		}

		public void setMaxReconnectDelay(Duration maxReconnectDelay) {
			this.maxReconnectDelay = maxReconnectDelay;
		}

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getRequestQueueSize() {
			return this.requestQueueSize;
		}

		public void setRequestQueueSize(int requestQueueSize) {
			this.requestQueueSize = requestQueueSize;
		}

		public Duration getCommandTimeout() {
			return this.commandTimeout;
		}

		public void setCommandTimeout(Duration commandTimeout) {
			this.commandTimeout = commandTimeout;
		}

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

	}

	/**
	 * Redis Cluster topology refresh that the starter turns on when
	 * {@code spring.data.redis.cluster.*} is used and neither
	 * {@code spring.data.redis.lettuce.cluster.refresh.period} nor
	 * {@code spring.data.redis.lettuce.cluster.refresh.adaptive} is set. Without it,
	 * Lettuce keeps sending a failed master's slots to the dead node after a failover.
	 */
	public static class ClusterRefresh {

		/**
		 * Whether to enable Lettuce's periodic and adaptive cluster topology refresh
		 * (changes the application's shared LettuceConnectionFactory).
		 */
		private boolean enabled = true;

		/**
		 * Time between two periodic topology refreshes.
		 */
		private Duration period = Duration.ofSeconds(30);

		/**
		 * Shortest time between two refreshes triggered by MOVED/ASK redirections,
		 * reconnect attempts, unknown nodes or uncovered slots (Lettuce's own default is
		 * 30s).
		 */
		private Duration adaptiveTimeout = Duration.ofSeconds(5);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getPeriod() {
			return this.period;
		}

		public void setPeriod(Duration period) {
			this.period = period;
		}

		public Duration getAdaptiveTimeout() {
			return this.adaptiveTimeout;
		}

		public void setAdaptiveTimeout(Duration adaptiveTimeout) {
			this.adaptiveTimeout = adaptiveTimeout;
		}

	}

	/**
	 * Netty's FlushConsolidationHandler on the application's Lettuce connections: many
	 * commands written in one event-loop turn go out in one socket write instead of one
	 * each. On by default: it multiplies throughput under concurrency (many requests in
	 * flight, the recovery queue's replay) and costs a single caller nothing measurable.
	 */
	public static class FlushConsolidation {

		/**
		 * Whether to add Netty's FlushConsolidationHandler to every channel of the
		 * application's shared LettuceConnectionFactory (through its ClientResources).
		 */
		private boolean enabled = true;

		/**
		 * Most flushes held back before one is passed on even while commands keep coming.
		 */
		private int explicitFlushAfterFlushes = 256;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getExplicitFlushAfterFlushes() {
			return this.explicitFlushAfterFlushes;
		}

		public void setExplicitFlushAfterFlushes(int explicitFlushAfterFlushes) {
			this.explicitFlushAfterFlushes = explicitFlushAfterFlushes;
		}

	}

	/**
	 * Lettuce's per-command latency recording on the application's Lettuce connections
	 * (with the actuator: the {@code lettuce.command.*} meters). Off by default: it costs
	 * every command 0.4-0.9 µs of client CPU.
	 */
	public static class CommandLatency {

		/**
		 * Whether Lettuce records the latency of every command (Boot's Micrometer recorder
		 * with the actuator, else Lettuce's own collector if LatencyUtils is present).
		 */
		private boolean enabled = false;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * The library's own scheduler (retry backoff, deadlines, recovery, the latency probe;
	 * connection attempts run on a thread of their own).
	 */
	public static class Scheduler {

		/**
		 * Number of scheduler threads.
		 */
		private int poolSize = 2;

		public int getPoolSize() {
			return this.poolSize;
		}

		public void setPoolSize(int poolSize) {
			this.poolSize = poolSize;
		}

	}

	/**
	 * Recovery queue of writes that could not be applied at once.
	 */
	public static class Recovery {

		/**
		 * Whether failed HIGH and NORMAL writes are queued and replayed; when off they are
		 * dropped.
		 */
		private boolean enabled = true;

		/**
		 * Most writes waiting at once; when full, the oldest of the lowest priority is
		 * dropped.
		 */
		private int capacity = 10_000;

		/**
		 * Delay between two replay rounds.
		 */
		private Duration pollInterval = Duration.ofSeconds(1);

		/**
		 * Most keys replayed concurrently in one round.
		 */
		private int batchSize = 500;

		/**
		 * Attempts of a queued write, counting the first, before it is dropped; only its
		 * own failed replays count, never a probe or a rejection by the open circuit.
		 */
		private int maxAttempts = 10;

		/**
		 * Longest time a write may wait before it is dropped.
		 */
		private Duration maxAge = Duration.ofHours(1);

		/**
		 * How long shutdown keeps replaying before it drops what is left.
		 */
		private Duration shutdownTimeout = Duration.ofSeconds(10);

		/**
		 * Longest time between two replay rounds while Redis answers but refuses the
		 * replayed writes (while the circuit is open, rounds run every poll interval).
		 */
		private Duration maxInterval = Duration.ofSeconds(30);

		private final Journal journal = new Journal();

		public Journal getJournal() {
			return this.journal;
		}

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getCapacity() {
			return this.capacity;
		}

		public void setCapacity(int capacity) {
			this.capacity = capacity;
		}

		public Duration getPollInterval() {
			return this.pollInterval;
		}

		public void setPollInterval(Duration pollInterval) {
			this.pollInterval = pollInterval;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getMaxAge() {
			return this.maxAge;
		}

		public void setMaxAge(Duration maxAge) {
			this.maxAge = maxAge;
		}

		public Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
		}

		public Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(Duration maxInterval) {
			this.maxInterval = maxInterval;
		}

		/**
		 * Recovery journal: queued writes kept on disk (SQLite), so that they survive a
		 * restart or a crash of the application.
		 */
		public static class Journal {

			/**
			 * Whether queued writes are journaled; a write is then answered QUEUED only once
			 * the journal has committed it, and the next start replays what was left.
			 */
			private boolean enabled;

			/**
			 * Directory of the journal (created if missing); one application instance at a
			 * time may use it.
			 */
			private String path;

			/**
			 * Most writes in the journal; when full, a write that would be queued is dropped
			 * as JOURNAL_FULL.
			 */
			private int maxEntries = 1_000_000;

			/**
			 * Most bytes of journaled writes; when full, a write that would be queued is
			 * dropped as JOURNAL_FULL.
			 */
			private DataSize maxBytes = DataSize.ofGigabytes(1);

			/**
			 * What a committed write survives: process-crash (SQLite synchronous=NORMAL in WAL
			 * mode: a crash or kill -9 of the application) or power-loss (synchronous=FULL:
			 * also a crash of the machine, slower).
			 */
			private JournalSync sync = JournalSync.PROCESS_CRASH;

			/**
			 * Most appends and removals committed in one transaction (group commit).
			 */
			private int maxBatch = 4096;

			public boolean isEnabled() {
				return this.enabled;
			}

			public void setEnabled(boolean enabled) {
				this.enabled = enabled;
			}

			public String getPath() {
				return this.path;
			}

			public void setPath(String path) {
				this.path = path;
			}

			public int getMaxEntries() {
				return this.maxEntries;
			}

			public void setMaxEntries(int maxEntries) {
				this.maxEntries = maxEntries;
			}

			public DataSize getMaxBytes() {
				return this.maxBytes;
			}

			public void setMaxBytes(DataSize maxBytes) {
				this.maxBytes = maxBytes;
			}

			public JournalSync getSync() {
				return this.sync;
			}

			public void setSync(JournalSync sync) {
				this.sync = sync;
			}

			public int getMaxBatch() {
				return this.maxBatch;
			}

			public void setMaxBatch(int maxBatch) {
				this.maxBatch = maxBatch;
			}

		}

	}

	/**
	 * How storeAgentState stores an agent's state.
	 */
	public static class AgentState {

		/**
		 * Key of the hash holding an agent's state; {id} stands for the agent id.
		 */
		private String keyPattern = "agent:{id}:state";

		public String getKeyPattern() {
			return this.keyPattern;
		}

		public void setKeyPattern(String keyPattern) {
			this.keyPattern = keyPattern;
		}

	}

	/**
	 * The agentMemoryRedis health indicator (switched off with
	 * management.health.agent-memory-redis.enabled=false).
	 */
	public static class Health {

		/**
		 * Whether an open circuit reports DOWN (HTTP 503) instead of CIRCUIT_OPEN.
		 */
		private boolean downWhenOpen;

		/**
		 * Time between two background latency probes.
		 */
		private Duration latencyInterval = Duration.ofSeconds(10);

		public boolean isDownWhenOpen() {
			return this.downWhenOpen;
		}

		public void setDownWhenOpen(boolean downWhenOpen) {
			this.downWhenOpen = downWhenOpen;
		}

		public Duration getLatencyInterval() {
			return this.latencyInterval;
		}

		public void setLatencyInterval(Duration latencyInterval) {
			this.latencyInterval = latencyInterval;
		}

	}

}
