package io.github.agentmemory.redis.autoconfigure;

import java.time.Duration;

import org.springframework.lang.Nullable;

/**
 * The command and connect timeouts the application set through
 * {@code spring.data.redis.timeout} and {@code spring.data.redis.connect-timeout}, read by
 * each Boot line's {@code BootRedis} from that line's Redis properties.
 *
 * @param command the command timeout, or {@code null} when not set
 * @param connect the connect timeout, or {@code null} when not set
 * @author agent-memory-redis
 */
record RedisTimeouts(@Nullable Duration command, @Nullable Duration connect) {

	/** Neither timeout set. */
	static final RedisTimeouts NONE = new RedisTimeouts(null, null);

}
