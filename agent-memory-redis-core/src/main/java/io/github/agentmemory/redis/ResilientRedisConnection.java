package io.github.agentmemory.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.recovery.WriteSender;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.agentmemory.redis.resilience.ResilientCommandExecutor;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
 * <p>
 * The recovery queue's replays ({@link #sendBatch}) go out pipelined on a connection of
 * their own, from the same factory (same settings), opened lazily in the background on
 * the first replay and closed with this connection; each batch is flushed once. Until that
 * connection is up, and on Redis Cluster, replays take the shared connection like every
 * other write.
 *
 * @author agent-memory-redis
 */
public class ResilientRedisConnection implements WriteSender, DisposableBean {

	private final LettuceNativeConnection connection;

	private final ResilientCommandExecutor executor;

	/** The replays' pipelined connection; {@code null} on Redis Cluster. */
	@Nullable
	private final LettuceNativeConnection replayConnection;

	/** The connection of the batch the current thread sends, if any. */
	private final ThreadLocal<LettuceNativeConnection> batch = new ThreadLocal<>();

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
		this.connection = new LettuceNativeConnection(connectionFactory, Duration.ofSeconds(1),
				this::reconnectFailed);
		this.replayConnection = connectionFactory.isClusterAware() ? null
				: LettuceNativeConnection.pipelined(connectionFactory, Duration.ofSeconds(1));
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
	public CompletableFuture<Object> send(RedisWrite write) {
		CompletableFuture<Object> reply = new CompletableFuture<>();
		send(write, (value, error) -> {
			if (error != null) {
				reply.completeExceptionally(error);
			}
			else {
				reply.complete(value);
			}
		});
		return reply;
	}

	@Override
	public void send(RedisWrite write, BiConsumer<Object, Throwable> callback) {
		CircuitBreakerRouting routing = this.routing;
		Supplier<CircuitBreaker> route = null;
		LettuceNativeConnection target = this.connection;
		if (routing == null) {
			// inside a batch: on the replay connection, flushed with the batch
			LettuceNativeConnection batchConnection = this.batch.get();
			if (batchConnection != null) {
				target = batchConnection;
			}
		}
		else {
			byte[] key = LettuceWrites.bytes(write.key());
			route = () -> routing.forKey(key);
		}
		LettuceNativeConnection connection = target;
		this.executor.execute(route, write.command(), false,
				() -> connection.call((commands) -> LettuceWrites.send(write, commands)), callback);
	}

	/**
	 * Send a batch of replayed writes pipelined on the replay connection, flushed once at
	 * the end; through the breaker like every write. While that connection is not
	 * connected (not opened yet: it is opened now, in the background; or Lettuce is
	 * reconnecting it), and on Redis Cluster, the writes take the shared connection.
	 * @param sends sends the batch's writes, on this thread
	 */
	@Override
	public void sendBatch(Runnable sends) {
		LettuceNativeConnection replay = this.replayConnection;
		if (replay == null || this.routing != null || this.batch.get() != null) {
			sends.run();
			return;
		}
		if (!replay.isConnected()) {
			replay.connectInBackground();
			sends.run();
			return;
		}
		this.batch.set(replay);
		try {
			sends.run();
		}
		finally {
			this.batch.remove();
			replay.flush();
		}
	}

	/**
	 * Lettuce could not reconnect: a failed call to Redis the breaker must count, or an
	 * idle template would find out only through its next call's retries (0.5 s + 1 s with
	 * the defaults) that the circuit should be open. On Redis Cluster the event does not
	 * name the master whose breaker it concerns in a form the routing maps, so only the
	 * failures of the calls count there, as before.
	 */
	private void reconnectFailed(Throwable cause) {
		if (this.routing == null) {
			this.executor.recordConnectionFailure(cause);
		}
	}

	@Override
	public void destroy() {
		this.connection.close();
		if (this.replayConnection != null) {
			this.replayConnection.close();
		}
	}

}
