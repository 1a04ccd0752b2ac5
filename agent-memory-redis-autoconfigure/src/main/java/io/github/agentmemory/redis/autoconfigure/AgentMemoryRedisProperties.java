package io.github.agentmemory.redis.autoconfigure;

import java.time.Duration;

import io.github.agentmemory.redis.resilience.RedisCircuitBreakers;
import io.github.agentmemory.redis.resilience.RetryPolicy;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.Assert;

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

	private final Scheduler scheduler = new Scheduler();

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

	public Scheduler getScheduler() {
		return this.scheduler;
	}

	@Override
	public void afterPropertiesSet() {
		Assert.state(this.retry.getInitialInterval().compareTo(this.retry.getMaxInterval()) <= 0,
				() -> "agent-memory.redis.retry.initial-interval (" + this.retry.getInitialInterval()
						+ ") must not exceed agent-memory.redis.retry.max-interval (" + this.retry.getMaxInterval()
						+ ")");
	}

	/**
	 * Circuit breaker settings. Settings under
	 * {@code resilience4j.circuitbreaker.instances.agent-memory-redis} win when present.
	 */
	public static class CircuitBreaker {

		/**
		 * Number of consecutive failed calls that open the circuit.
		 */
		private int failureThreshold = RedisCircuitBreakers.DEFAULT_FAILURE_THRESHOLD;

		/**
		 * Time the circuit stays open before probe calls are let through.
		 */
		private Duration waitDurationInOpenState = RedisCircuitBreakers.DEFAULT_WAIT_DURATION_IN_OPEN_STATE;

		/**
		 * Number of probe calls let through once the circuit is half-open.
		 */
		private int permittedCallsInHalfOpenState = RedisCircuitBreakers.DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN_STATE;

		public int getFailureThreshold() {
			return this.failureThreshold;
		}

		public void setFailureThreshold(int failureThreshold) {
			Assert.isTrue(failureThreshold >= 1, "must be at least 1");
			this.failureThreshold = failureThreshold;
		}

		public Duration getWaitDurationInOpenState() {
			return this.waitDurationInOpenState;
		}

		public void setWaitDurationInOpenState(Duration waitDurationInOpenState) {
			Assert.isTrue(waitDurationInOpenState != null && waitDurationInOpenState.toMillis() >= 1,
					"must be at least 1ms");
			this.waitDurationInOpenState = waitDurationInOpenState;
		}

		public int getPermittedCallsInHalfOpenState() {
			return this.permittedCallsInHalfOpenState;
		}

		public void setPermittedCallsInHalfOpenState(int permittedCallsInHalfOpenState) {
			Assert.isTrue(permittedCallsInHalfOpenState >= 1, "must be at least 1");
			this.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
		}

	}

	/**
	 * Retry settings of idempotent calls after transient faults.
	 */
	public static class Retry {

		/**
		 * Number of retries after the first failed attempt; 0 disables retrying.
		 */
		private int maxAttempts = RetryPolicy.DEFAULT_MAX_ATTEMPTS;

		/**
		 * Wait before the first retry.
		 */
		private Duration initialInterval = RetryPolicy.DEFAULT_INITIAL_INTERVAL;

		/**
		 * Factor by which the wait grows from one retry to the next.
		 */
		private double multiplier = RetryPolicy.DEFAULT_MULTIPLIER;

		/**
		 * Longest wait between two attempts.
		 */
		private Duration maxInterval = RetryPolicy.DEFAULT_MAX_INTERVAL;

		/**
		 * Randomisation factor of each wait, from 0 (none) to below 1.
		 */
		private double jitter = RetryPolicy.DEFAULT_JITTER;

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			Assert.isTrue(maxAttempts >= 0, "must not be negative (0 disables retrying)");
			this.maxAttempts = maxAttempts;
		}

		public Duration getInitialInterval() {
			return this.initialInterval;
		}

		public void setInitialInterval(Duration initialInterval) {
			Assert.isTrue(initialInterval != null && initialInterval.toMillis() >= 1, "must be at least 1ms");
			this.initialInterval = initialInterval;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			Assert.isTrue(multiplier >= 1 && Double.isFinite(multiplier), "must be a finite number of at least 1");
			this.multiplier = multiplier;
		}

		public Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(Duration maxInterval) {
			Assert.isTrue(maxInterval != null && maxInterval.toMillis() >= 1, "must be at least 1ms");
			this.maxInterval = maxInterval;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			Assert.isTrue(jitter >= 0 && jitter < 1, "must be at least 0 and below 1");
			this.jitter = jitter;
		}

		/**
		 * These settings as a policy.
		 * @return the retry policy
		 */
		public RetryPolicy toPolicy() {
			return RetryPolicy.builder()
				.maxAttempts(this.maxAttempts)
				.initialInterval(this.initialInterval)
				.multiplier(this.multiplier)
				.maxInterval(this.maxInterval)
				.jitter(this.jitter)
				.build();
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
			Assert.isTrue(requestQueueSize >= 1, "must be at least 1");
			this.requestQueueSize = requestQueueSize;
		}

		public Duration getCommandTimeout() {
			return this.commandTimeout;
		}

		public void setCommandTimeout(Duration commandTimeout) {
			Assert.isTrue(commandTimeout != null && commandTimeout.toMillis() >= 1, "must be at least 1ms");
			this.commandTimeout = commandTimeout;
		}

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			Assert.isTrue(connectTimeout != null && connectTimeout.toMillis() >= 1, "must be at least 1ms");
			this.connectTimeout = connectTimeout;
		}

	}

	/**
	 * The library's own scheduler (retry backoff, connection attempts, recovery).
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
			Assert.isTrue(poolSize >= 1, "must be at least 1");
			this.poolSize = poolSize;
		}

	}

}
