package io.github.agentmemory.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.recovery.WriteSender;
import io.github.agentmemory.redis.resilience.ResilientCommandExecutor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.Assert;

/**
 * The application's shared native Lettuce connection behind the circuit breaker: every
 * command the templates send goes through {@link #call}, and every write through
 * {@link #send} (once, without retries: those are the write path's). The connection
 * opens lazily, on a thread of its own (never the caller's, an event loop or the
 * library's scheduler), so that startup never waits for Redis.
 *
 * @author agent-memory-redis
 */
public class ResilientRedisConnection implements WriteSender, DisposableBean {

	private final LettuceNativeConnection connection;

	private final ResilientCommandExecutor executor;

	/**
	 * Create a connection.
	 * @param connectionFactory the factory whose shared native connection is used
	 * @param executor runs every command behind the circuit breaker
	 */
	public ResilientRedisConnection(LettuceConnectionFactory connectionFactory, ResilientCommandExecutor executor) {
		Assert.notNull(connectionFactory, "'connectionFactory' must not be null");
		Assert.notNull(executor, "'executor' must not be null");
		this.connection = new LettuceNativeConnection(connectionFactory, Duration.ofSeconds(1));
		this.executor = executor;
	}

	/**
	 * Run a command behind the circuit breaker, retried if it is safe to run twice.
	 * @param <T> the reply type
	 * @param command the command name, for messages
	 * @param retryable whether the command may be retried after a transient fault
	 * @param call sends the command
	 * @return the reply, or a {@code DataAccessException}
	 */
	public <T> CompletableFuture<T> call(String command, boolean retryable,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> call) {
		return this.executor.execute(command, retryable, () -> this.connection.call(call));
	}

	/**
	 * Run a command without the circuit breaker and without retries (probes).
	 * @param <T> the reply type
	 * @param command the command name, for messages
	 * @param call sends the command
	 * @return the reply, or a {@code DataAccessException}
	 */
	public <T> CompletableFuture<T> callUnguarded(String command,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> call) {
		return this.executor.executeUnguarded(command, () -> this.connection.call(call));
	}

	@Override
	@SuppressWarnings("unchecked")
	public CompletableFuture<Object> send(RedisWrite write) {
		return (CompletableFuture<Object>) (CompletableFuture<?>) call(write.command(), false,
				(commands) -> LettuceWrites.send(write, commands));
	}

	@Override
	public void destroy() {
		this.connection.close();
	}

}
