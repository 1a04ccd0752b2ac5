package io.github.agentmemory.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.recovery.WriteSender;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.agentmemory.redis.resilience.ResilientCommandExecutor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * The application's shared native Lettuce connection behind the circuit breaker: every
 * command the templates send goes through {@link #call}, and every write through
 * {@link #send} (once, without retries: those are the write path's). The connection
 * opens lazily, on a thread of its own (never the caller's, an event loop or the
 * library's scheduler), so that startup never waits for Redis.
 *
 * <p>
 * A command with a key goes through its key's breaker ({@link CircuitBreakerRouting}: on
 * Redis Cluster, the breaker of the key's master), one without a key through the keyless
 * breaker.
 *
 * @author agent-memory-redis
 */
public class ResilientRedisConnection implements WriteSender, DisposableBean {

	private final LettuceNativeConnection connection;

	private final ResilientCommandExecutor executor;

	@Nullable
	private volatile CircuitBreakerRouting routing;

	/**
	 * Create a connection whose every command goes through the executor's breaker.
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
	 * Route the commands with a key to their key's breaker from now on; every breaker of
	 * the routing is {@linkplain ResilientCommandExecutor#watch watched} by the executor.
	 * Meant to be called once, before the first command, by the code that wires the
	 * routing (which reads this connection's {@link #clusterPartitions()}).
	 * @param routing the routing
	 */
	public void route(CircuitBreakerRouting routing) {
		Assert.notNull(routing, "'routing' must not be null");
		if (!routing.isSingle()) {
			routing.forEach(this.executor::watch);
			this.routing = routing;
		}
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
	 * Run a command with a key behind its key's circuit breaker, retried if it is safe to
	 * run twice.
	 * @param <T> the reply type
	 * @param key the key the command is routed by
	 * @param command the command name, for messages
	 * @param retryable whether the command may be retried after a transient fault
	 * @param call sends the command
	 * @return the reply, or a {@code DataAccessException}
	 */
	public <T> CompletableFuture<T> call(byte[] key, String command, boolean retryable,
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> call) {
		CircuitBreakerRouting routing = this.routing;
		if (routing == null) {
			return call(command, retryable, call);
		}
		return this.executor.execute(() -> routing.forKey(key), command, retryable, () -> this.connection.call(call));
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

	/**
	 * The topology of the cluster connection, as Lettuce keeps it up to date; never
	 * connects.
	 * @return the partitions, or {@code null} while the connection is not open, and when
	 * not on Redis Cluster
	 */
	@Nullable
	public Partitions clusterPartitions() {
		return this.connection.partitions();
	}

	@Override
	@SuppressWarnings("unchecked")
	public CompletableFuture<Object> send(RedisWrite write) {
		if (this.routing == null) {
			return (CompletableFuture<Object>) (CompletableFuture<?>) call(write.command(), false,
					(commands) -> LettuceWrites.send(write, commands));
		}
		return (CompletableFuture<Object>) (CompletableFuture<?>) call(LettuceWrites.bytes(write.key()),
				write.command(), false, (commands) -> LettuceWrites.send(write, commands));
	}

	@Override
	public void destroy() {
		this.connection.close();
	}

}
