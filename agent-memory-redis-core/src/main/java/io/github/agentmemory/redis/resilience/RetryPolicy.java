package io.github.agentmemory.redis.resilience;

import java.time.Duration;
import java.util.Objects;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.RetryConfig;

import org.springframework.util.Assert;

/**
 * Immutable retry policy: how many attempts a call gets (counting the first, as
 * Resilience4j and Spring Boot's retry settings count) and how long to wait before each
 * retry. Waits grow exponentially from the initial interval by the multiplier up to the
 * maximum interval, each randomised by the jitter factor so that many clients do not
 * retry in lock step: Resilience4j's {@link IntervalFunction}, the one backoff engine of
 * calls, {@code CRITICAL} writes and the recovery queue. Retries never block a thread:
 * they are scheduled.
 *
 * <pre class="code">
 * RetryPolicy policy = RetryPolicy.builder().maxAttempts(5).initialInterval(Duration.ofMillis(100)).build();
 * </pre>
 *
 * @author agent-memory-redis
 */
public final class RetryPolicy {

	/** Default number of attempts, counting the first: 1 try and 3 retries. */
	public static final int DEFAULT_MAX_ATTEMPTS = 4;

	/** Default wait before the first retry. */
	public static final Duration DEFAULT_INITIAL_INTERVAL = Duration.ofMillis(500);

	/** Default growth factor of the wait from one retry to the next. */
	public static final double DEFAULT_MULTIPLIER = 2.0;

	/** Default cap of the wait. */
	public static final Duration DEFAULT_MAX_INTERVAL = Duration.ofSeconds(30);

	/** Default randomisation of each wait (0.5: anywhere from half to one and a half). */
	public static final double DEFAULT_JITTER = 0.5;

	private static final RetryPolicy DEFAULT = builder().build();

	private static final RetryPolicy NONE = builder().maxAttempts(1).build();

	private final int maxAttempts;

	private final Duration initialInterval;

	private final double multiplier;

	private final Duration maxInterval;

	private final double jitter;

	private final IntervalFunction backoff;

	private RetryPolicy(Builder builder) {
		this.maxAttempts = builder.maxAttempts;
		this.initialInterval = builder.initialInterval;
		this.multiplier = builder.multiplier;
		this.maxInterval = builder.maxInterval;
		this.jitter = builder.jitter;
		this.backoff = (this.jitter > 0)
				? IntervalFunction.ofExponentialRandomBackoff(this.initialInterval, this.multiplier, this.jitter,
						this.maxInterval)
				: IntervalFunction.ofExponentialBackoff(this.initialInterval, this.multiplier, this.maxInterval);
	}

	/**
	 * The spec's defaults: 4 attempts (3 retries), 500 ms initial interval, ×2, capped at
	 * 30 s.
	 * @return the default policy
	 */
	public static RetryPolicy create() {
		return DEFAULT;
	}

	/**
	 * A policy that never retries: one attempt.
	 * @return the policy
	 */
	public static RetryPolicy none() {
		return NONE;
	}

	/**
	 * Create a builder with the defaults.
	 * @return the builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * A builder that starts from this policy.
	 * @return the builder
	 */
	public Builder mutate() {
		return new Builder().maxAttempts(this.maxAttempts)
			.initialInterval(this.initialInterval)
			.multiplier(this.multiplier)
			.maxInterval(this.maxInterval)
			.jitter(this.jitter);
	}

	/**
	 * Number of attempts, counting the first; 1 means no retry.
	 * @return the number of attempts
	 */
	public int getMaxAttempts() {
		return this.maxAttempts;
	}

	/**
	 * Wait before the first retry.
	 * @return the initial interval
	 */
	public Duration getInitialInterval() {
		return this.initialInterval;
	}

	/**
	 * Growth factor of the wait from one retry to the next.
	 * @return the multiplier
	 */
	public double getMultiplier() {
		return this.multiplier;
	}

	/**
	 * Cap of the wait.
	 * @return the maximum interval
	 */
	public Duration getMaxInterval() {
		return this.maxInterval;
	}

	/**
	 * Randomisation factor of each wait, from 0 (none) to 1.
	 * @return the jitter
	 */
	public double getJitter() {
		return this.jitter;
	}

	/**
	 * The wait before a retry, without jitter.
	 * @param retry the retry, starting at 1
	 * @return the wait
	 */
	public Duration intervalBefore(int retry) {
		Assert.isTrue(retry >= 1, "'retry' must be at least 1");
		double millis = this.initialInterval.toMillis() * Math.pow(this.multiplier, retry - 1);
		return Duration.ofMillis((long) Math.min(millis, this.maxInterval.toMillis()));
	}

	/**
	 * The wait before the next attempt, with jitter (Resilience4j's backoff).
	 * @param attempts the attempts made so far, at least 1
	 * @return the wait
	 */
	public Duration backoff(int attempts) {
		return Duration.ofMillis(this.backoff.apply(attempts));
	}

	/**
	 * The longest all retries can wait together, without jitter: how long a write may
	 * wait behind earlier ones before it is treated as if its retries were over.
	 * @return the total backoff
	 */
	public Duration totalBackoff() {
		Duration total = Duration.ZERO;
		for (int retry = 1; retry < this.maxAttempts; retry++) {
			total = total.plus(intervalBefore(retry));
		}
		return total;
	}

	/**
	 * This policy as a Resilience4j retry configuration. Whether an error is retried is
	 * decided by the caller of the retry context, not by the returned configuration.
	 * @return the configuration
	 */
	public RetryConfig toRetryConfig() {
		return RetryConfig.custom()
			.maxAttempts(this.maxAttempts)
			.intervalFunction(this.backoff)
			.failAfterMaxAttempts(false)
			.writableStackTraceEnabled(false)
			.build();
	}

	@Override
	public boolean equals(Object other) {
		return (other instanceof RetryPolicy that) && this.maxAttempts == that.maxAttempts
				&& this.initialInterval.equals(that.initialInterval) && this.multiplier == that.multiplier
				&& this.maxInterval.equals(that.maxInterval) && this.jitter == that.jitter;
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.maxAttempts, this.initialInterval, this.multiplier, this.maxInterval, this.jitter);
	}

	@Override
	public String toString() {
		return "RetryPolicy[maxAttempts=" + this.maxAttempts + ", initialInterval=" + this.initialInterval
				+ ", multiplier=" + this.multiplier + ", maxInterval=" + this.maxInterval + ", jitter=" + this.jitter
				+ "]";
	}

	/**
	 * Builder for {@link RetryPolicy}.
	 */
	public static final class Builder {

		private int maxAttempts = DEFAULT_MAX_ATTEMPTS;

		private Duration initialInterval = DEFAULT_INITIAL_INTERVAL;

		private double multiplier = DEFAULT_MULTIPLIER;

		private Duration maxInterval = DEFAULT_MAX_INTERVAL;

		private double jitter = DEFAULT_JITTER;

		private Builder() {
		}

		/**
		 * Number of attempts, counting the first; 1 disables retrying.
		 * @param maxAttempts the number of attempts, 1 or more
		 * @return this builder
		 */
		public Builder maxAttempts(int maxAttempts) {
			Assert.isTrue(maxAttempts >= 1, () -> "'maxAttempts' must be at least 1, was " + maxAttempts);
			this.maxAttempts = maxAttempts;
			return this;
		}

		/**
		 * Wait before the first retry.
		 * @param initialInterval at least one millisecond
		 * @return this builder
		 */
		public Builder initialInterval(Duration initialInterval) {
			Assert.notNull(initialInterval, "'initialInterval' must not be null");
			Assert.isTrue(initialInterval.toMillis() >= 1,
					() -> "'initialInterval' must be at least 1ms, was " + initialInterval);
			this.initialInterval = initialInterval;
			return this;
		}

		/**
		 * Growth factor of the wait from one retry to the next.
		 * @param multiplier 1 or more
		 * @return this builder
		 */
		public Builder multiplier(double multiplier) {
			Assert.isTrue(multiplier >= 1.0 && Double.isFinite(multiplier),
					() -> "'multiplier' must be a finite number of at least 1, was " + multiplier);
			this.multiplier = multiplier;
			return this;
		}

		/**
		 * Cap of the wait.
		 * @param maxInterval at least the initial interval
		 * @return this builder
		 */
		public Builder maxInterval(Duration maxInterval) {
			Assert.notNull(maxInterval, "'maxInterval' must not be null");
			Assert.isTrue(maxInterval.toMillis() >= 1, () -> "'maxInterval' must be at least 1ms, was " + maxInterval);
			this.maxInterval = maxInterval;
			return this;
		}

		/**
		 * Randomisation of each wait: 0 for none, up to below 1.
		 * @param jitter from 0 to below 1
		 * @return this builder
		 */
		public Builder jitter(double jitter) {
			Assert.isTrue(jitter >= 0 && jitter < 1, () -> "'jitter' must be at least 0 and below 1, was " + jitter);
			this.jitter = jitter;
			return this;
		}

		/**
		 * Build the policy.
		 * @return the immutable policy
		 * @throws IllegalArgumentException if the initial interval exceeds the maximum
		 */
		public RetryPolicy build() {
			if (this.initialInterval.compareTo(this.maxInterval) > 0) {
				throw new IllegalArgumentException("'initialInterval' (" + this.initialInterval
						+ ") must not exceed 'maxInterval' (" + this.maxInterval + ")");
			}
			return new RetryPolicy(this);
		}

	}

}
