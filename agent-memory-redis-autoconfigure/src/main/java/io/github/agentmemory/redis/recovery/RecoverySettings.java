package io.github.agentmemory.redis.recovery;

import java.time.Duration;

import org.springframework.util.Assert;

/**
 * Immutable settings of the recovery queue and its processor.
 *
 * @param enabled whether failed HIGH and NORMAL writes are queued (otherwise they are
 * dropped with {@code QUEUE_DISABLED})
 * @param capacity most writes waiting at once, across all keys
 * @param pollInterval delay between two replay rounds
 * @param batchSize most keys replayed concurrently in one round
 * @param maxAttempts replays of one entry before it is dropped
 * @param maxAge longest time an entry may wait before it is dropped
 * @param shutdownTimeout how long shutdown waits for the queue to drain
 * @author agent-memory-redis
 */
public record RecoverySettings(boolean enabled, int capacity, Duration pollInterval, int batchSize, int maxAttempts,
		Duration maxAge, Duration shutdownTimeout) {

	/** Default settings: 10,000 entries, 1 s polls, batches of 500, 10 attempts, 1 h, 10 s. */
	public static final RecoverySettings DEFAULTS = new RecoverySettings(true, 10_000, Duration.ofSeconds(1), 500, 10,
			Duration.ofHours(1), Duration.ofSeconds(10));

	/**
	 * Check the settings.
	 */
	public RecoverySettings {
		Assert.isTrue(capacity >= 1, "'capacity' must be at least 1");
		Assert.isTrue(pollInterval != null && pollInterval.toMillis() >= 1, "'pollInterval' must be at least 1ms");
		Assert.isTrue(batchSize >= 1, "'batchSize' must be at least 1");
		Assert.isTrue(maxAttempts >= 1, "'maxAttempts' must be at least 1");
		Assert.isTrue(maxAge != null && maxAge.toMillis() >= 1, "'maxAge' must be at least 1ms");
		Assert.isTrue(shutdownTimeout != null && !shutdownTimeout.isNegative(), "'shutdownTimeout' must not be negative");
	}

}
