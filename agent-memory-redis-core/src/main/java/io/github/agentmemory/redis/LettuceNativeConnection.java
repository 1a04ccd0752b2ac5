package io.github.agentmemory.redis;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

import io.github.agentmemory.redis.resilience.RedisFault;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;

import org.springframework.core.log.LogMessage;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.lang.Nullable;

/**
 * The native asynchronous Lettuce connection the template sends its commands on: the
 * factory's shared, multiplexed connection (standalone, Sentinel or Cluster).
 *
 * <p>
 * Nothing here blocks a caller or the application's startup. The connection is opened on
 * first use, on a thread of its own ({@value #CONNECT_THREAD_NAME}, a daemon started
 * with the first attempt and stopped by {@link #close()}): an attempt blocks for up to
 * the connect timeout, and must hold up neither the library's scheduler (retries,
 * deadlines, recovery rounds) nor a Lettuce event loop. Calls made meanwhile wait for
 * that attempt without holding a thread. While Redis is unreachable, a new attempt is made at most
 * once per {@code reconnectInterval}; calls in between fail at once with the last error.
 * Once open, Lettuce reconnects by itself, unless Redis refuses the reconnection with
 * {@code WRONGPASS}, {@code NOAUTH} or {@code NOPERM} (the password or the user's ACL was
 * changed on the server): then the connection is closed, which stops Lettuce from
 * authenticating again every few seconds, and calls fail with that error (a
 * {@link RedisFault#PERMANENT} one: the circuit stays closed, nothing is retried or
 * queued) until a new attempt, made on demand as above, is accepted.
 *
 * @author agent-memory-redis
 */
final class LettuceNativeConnection implements AutoCloseable {

	/** Name of the thread that opens connections. */
	static final String CONNECT_THREAD_NAME = "agent-memory-redis-connect";

	private static final Log logger = LogFactory.getLog(LettuceNativeConnection.class);

	private final LettuceConnectionFactory connectionFactory;

	/** Where Redis is, for messages: host:port, the Sentinel master or the cluster nodes. */
	private final String address;

	private final long reconnectIntervalNanos;

	/** Most calls that wait for a connection attempt; more fail at once (bounded memory). */
	static final int MAX_WAITING_CALLS = 10_000;

	/** Calls waiting for a connection attempt, in the order they were made. */
	private final ArrayDeque<Waiter<?>> waiters = new ArrayDeque<>();

	/** Whether calls wait or are being sent after an attempt; new calls queue behind. */
	private volatile boolean waiting;

	@Nullable
	private volatile RedisClusterAsyncCommands<byte[], byte[]> commands;

	@Nullable
	private RedisConnection connection;

	@Nullable
	private CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> connecting;

	@Nullable
	private Throwable lastFailure;

	private long lastFailureNanos;

	private boolean closed;

	@Nullable
	private Disposable reconnectFailures;

	/** Runs connection attempts; created with the first one. */
	@Nullable
	private ExecutorService connectExecutor;

	/** Told of every failed reconnect attempt of Lettuce (its cause). */
	private final Consumer<Throwable> reconnectFailureListener;

	/**
	 * Whether this is a dedicated connection whose commands are flushed by hand
	 * ({@link #flush()}) rather than the factory's shared one.
	 */
	private final boolean pipelined;

	/** The dedicated connection's commands are flushed through it; {@code null} otherwise. */
	@Nullable
	private volatile StatefulConnection<byte[], byte[]> pipelinedConnection;

	/** Name of the thread that opens the dedicated pipelined connection. */
	static final String PIPELINED_CONNECT_THREAD_NAME = "agent-memory-redis-replay-connect";

	LettuceNativeConnection(LettuceConnectionFactory connectionFactory, Duration reconnectInterval) {
		this(connectionFactory, reconnectInterval, (cause) -> {
		});
	}

	/**
	 * Create a connection.
	 * @param connectionFactory the factory whose shared native connection is used
	 * @param reconnectInterval least time between two attempts made on demand
	 * @param reconnectFailureListener told of the cause of every reconnect attempt of
	 * Lettuce that failed, once the connection was open (on a thread of Lettuce's event
	 * bus)
	 */
	LettuceNativeConnection(LettuceConnectionFactory connectionFactory, Duration reconnectInterval,
			Consumer<Throwable> reconnectFailureListener) {
		this(connectionFactory, reconnectInterval, reconnectFailureListener, false);
	}

	private LettuceNativeConnection(LettuceConnectionFactory connectionFactory, Duration reconnectInterval,
			Consumer<Throwable> reconnectFailureListener, boolean pipelined) {
		this.connectionFactory = connectionFactory;
		this.address = RedisAddress.of(connectionFactory);
		this.reconnectIntervalNanos = reconnectInterval.toNanos();
		this.reconnectFailureListener = reconnectFailureListener;
		this.pipelined = pipelined;
	}

	/**
	 * A connection of its own, not the factory's shared one, whose commands are written
	 * to Redis only when {@link #flush()} is called: the factory hands it out as the
	 * dedicated connection of a pipelining {@link LettuceConnection}, so it has the
	 * factory's every setting (address, credentials, TLS, database, client name, client
	 * options and resources); with a pool configured, it is the pool's. Standalone and
	 * Sentinel only (Spring Data Redis does not pipeline on Redis Cluster). Opened on
	 * first use like the shared one, on a thread of its own.
	 * @param connectionFactory the factory
	 * @param reconnectInterval least time between two attempts made on demand
	 * @return the connection, not open yet
	 */
	static LettuceNativeConnection pipelined(LettuceConnectionFactory connectionFactory, Duration reconnectInterval) {
		return new LettuceNativeConnection(connectionFactory, reconnectInterval, (cause) -> {
		}, true);
	}

	/**
	 * Whether commands sent now are written to a connected socket: the dedicated
	 * connection is open and Lettuce is not reconnecting it. Never connects.
	 * @return whether the connection is connected
	 */
	boolean isConnected() {
		StatefulConnection<byte[], byte[]> connection = this.pipelinedConnection;
		return connection != null && connection.isOpen() && !this.waiting;
	}

	/**
	 * Open the connection in the background if it is not open, not being opened, and no
	 * attempt failed within the reconnect interval; never blocks.
	 */
	void connectInBackground() {
		if (isOpen()) {
			return;
		}
		synchronized (this) {
			if (this.waiting || this.connecting != null) {
				return;
			}
			connect();
		}
	}

	/**
	 * Write the commands sent since the last flush to Redis, in one go (the dedicated
	 * connection only; the shared one writes each command at once).
	 */
	void flush() {
		StatefulConnection<byte[], byte[]> connection = this.pipelinedConnection;
		if (connection != null) {
			connection.flushCommands();
		}
	}

	/**
	 * Run a command on the connection, opening it first if needed.
	 * @param <T> the result type
	 * @param command sends the command
	 * @return the command's reply
	 */
	<T> CompletionStage<T> call(Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> command) {
		RedisClusterAsyncCommands<byte[], byte[]> current = this.commands;
		if (isOpen(current) && !this.waiting) {
			return command.apply(current);
		}
		return callWhenConnected(command);
	}

	/**
	 * Queue a call until the connection attempt it needs is over. Waiting calls are sent
	 * in the order they were made, and calls made while they are being sent queue behind
	 * them: a {@link CompletableFuture} would run its dependents last-in first-out, which
	 * reversed the order of the writes to a key made while the connection was opened.
	 */
	private <T> CompletionStage<T> callWhenConnected(
			Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> command) {
		CompletableFuture<T> result = new CompletableFuture<>();
		CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> attempt;
		synchronized (this) {
			if (this.waiters.size() >= MAX_WAITING_CALLS) {
				return CompletableFuture.failedFuture(new RedisConnectionFailureException("Not connected to Redis yet and "
						+ MAX_WAITING_CALLS + " calls already wait for the connection attempt"));
			}
			this.waiters.add(new Waiter<>(command, result));
			if (this.waiting) {
				return result;
			}
			this.waiting = true;
			attempt = connect();
		}
		attempt.whenComplete(this::sendWaiting);
		return result;
	}

	private void sendWaiting(@Nullable RedisClusterAsyncCommands<byte[], byte[]> commands,
			@Nullable Throwable failure) {
		while (true) {
			List<Waiter<?>> batch;
			synchronized (this) {
				if (this.waiters.isEmpty()) {
					this.waiting = false;
					return;
				}
				batch = new ArrayList<>(this.waiters);
				this.waiters.clear();
			}
			for (Waiter<?> waiter : batch) {
				waiter.send(commands, failure);
			}
		}
	}

	/**
	 * Whether the connection has been opened (Lettuce may be reconnecting it).
	 * @return whether a native connection is held
	 */
	boolean isOpen() {
		RedisClusterAsyncCommands<byte[], byte[]> current = this.commands;
		return isOpen(current);
	}

	/**
	 * The topology of the cluster connection, as Lettuce keeps it up to date; never
	 * connects.
	 * @return the partitions, or {@code null} when the connection is not open or not a
	 * cluster connection
	 */
	@Nullable
	Partitions partitions() {
		RedisClusterAsyncCommands<byte[], byte[]> current = this.commands;
		return (current instanceof RedisAdvancedClusterAsyncCommands<byte[], byte[]> cluster)
				? cluster.getStatefulConnection().getPartitions() : null;
	}

	private synchronized CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> connect() {
		if (this.closed) {
			return CompletableFuture.failedFuture(new RedisConnectionFailureException("Redis template is closed"));
		}
		RedisClusterAsyncCommands<byte[], byte[]> current = this.commands;
		if (isOpen(current)) {
			return CompletableFuture.completedFuture(current);
		}
		if (this.connecting != null) {
			return this.connecting;
		}
		if (this.lastFailure != null && System.nanoTime() - this.lastFailureNanos < this.reconnectIntervalNanos) {
			return CompletableFuture.failedFuture(this.lastFailure);
		}
		CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> attempt = new CompletableFuture<>();
		this.connecting = attempt;
		try {
			connectExecutor().execute(() -> open(attempt));
		}
		catch (RuntimeException ex) {
			this.connecting = null;
			return CompletableFuture.failedFuture(ex);
		}
		return attempt;
	}

	private synchronized ExecutorService connectExecutor() {
		if (this.closed) {
			throw new RejectedExecutionException("Redis template is closed");
		}
		if (this.connectExecutor == null) {
			this.connectExecutor = Executors.newSingleThreadExecutor((task) -> {
				Thread thread = new Thread(task, this.pipelined ? PIPELINED_CONNECT_THREAD_NAME : CONNECT_THREAD_NAME);
				thread.setDaemon(true);
				return thread;
			});
		}
		return this.connectExecutor;
	}

	private void open(CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> attempt) {
		try {
			RedisConnection opened = this.connectionFactory.getConnection();
			StatefulConnection<byte[], byte[]> dedicated = null;
			if (this.pipelined) {
				// a pipelining LettuceConnection sends on a dedicated connection from the factory
				opened.openPipeline();
			}
			RedisClusterAsyncCommands<byte[], byte[]> nativeCommands = ((LettuceConnection) opened)
				.getNativeConnection();
			if (this.pipelined) {
				dedicated = ((RedisAsyncCommands<byte[], byte[]>) nativeCommands).getStatefulConnection();
				dedicated.setAutoFlushCommands(false);
			}
			synchronized (this) {
				if (this.closed) {
					restoreAutoFlush(dedicated);
					closeQuietly(opened);
					this.connecting = null;
					attempt.completeExceptionally(new RedisConnectionFailureException("Redis template is closed"));
					return;
				}
				restoreAutoFlush(this.pipelinedConnection);
				closeQuietly(this.connection);
				this.connection = opened;
				this.commands = nativeCommands;
				this.pipelinedConnection = dedicated;
				this.connecting = null;
				if (this.lastFailure != null) {
					logger.info(LogMessage.format("Connected to Redis at %s", this.address));
				}
				this.lastFailure = null;
				if (this.reconnectFailures == null && !this.pipelined) {
					this.reconnectFailures = listenToReconnectFailures();
				}
			}
			attempt.complete(nativeCommands);
		}
		catch (Throwable ex) {
			RedisConnectionFailureException failure = (ex instanceof RedisConnectionFailureException connectionFailure)
					? connectionFailure
					: new RedisConnectionFailureException("Could not connect to Redis at " + this.address, ex);
			synchronized (this) {
				boolean firstFailure = this.lastFailure == null;
				this.lastFailure = failure;
				this.lastFailureNanos = System.nanoTime();
				this.connecting = null;
				if (firstFailure) {
					logger.warn(LogMessage.format(
							"Could not connect to Redis at %s: %s; calls fail fast until a connection attempt, made "
									+ "on demand at most once per %d ms, succeeds",
							this.address, rootMessage(failure), this.reconnectIntervalNanos / 1_000_000));
				}
				else if (logger.isDebugEnabled()) {
					logger.debug(LogMessage.format("Still cannot connect to Redis at %s: %s", this.address,
							rootMessage(failure)));
				}
			}
			attempt.completeExceptionally(failure);
		}
	}

	@Nullable
	private Disposable listenToReconnectFailures() {
		AbstractRedisClient client = this.connectionFactory.getNativeClient();
		if (client == null) {
			return null;
		}
		return client.getResources()
			.eventBus()
			.get()
			.ofType(ReconnectFailedEvent.class)
			.subscribe(this::reconnectFailed);
	}

	private void reconnectFailed(ReconnectFailedEvent event) {
		try {
			this.reconnectFailureListener.accept(event.getCause());
		}
		catch (RuntimeException ex) {
			logger.debug("A listener of failed reconnect attempts failed", ex);
		}
		String reply = RedisFaultClassifier.findErrorReply(event.getCause());
		if (reply == null || !RedisFaultClassifier.isAccessDenied(reply)) {
			return;
		}
		try {
			connectExecutor().execute(() -> dropRefusedConnection(reply, event.getCause()));
		}
		catch (RejectedExecutionException ex) {
			logger.debug("Could not drop the Redis connection refused by Redis", ex);
		}
	}


	/**
	 * Lettuce's reconnect was refused for good: close the connection, so that Lettuce
	 * stops trying (with the same credentials) every few seconds, and fail calls with
	 * Redis's reply until a new connection, tried on demand, is accepted.
	 */
	private void dropRefusedConnection(String reply, Throwable cause) {
		RedisConnectionFailureException failure = new RedisConnectionFailureException(
				"Redis at " + this.address + " refused to reconnect: " + reply, cause);
		synchronized (this) {
			RedisClusterAsyncCommands<byte[], byte[]> current = this.commands;
			if (this.closed || current == null || isOpen(current)) {
				return;
			}
			this.commands = null;
			closeQuietly(this.connection);
			this.connection = null;
			this.lastFailure = failure;
			this.lastFailureNanos = System.nanoTime();
			try {
				this.connectionFactory.resetConnection();
			}
			catch (RuntimeException ex) {
				logger.debug("Could not reset the shared Redis connection", ex);
			}
		}
		logger.warn(LogMessage.format("%s; the connection is closed, calls fail until a new one, tried on demand, "
				+ "is accepted (check spring.data.redis.username, spring.data.redis.password and the user's ACL)",
				failure.getMessage()));
	}

	/**
	 * Whether the commands' connection is open. Spring Data hands out the native
	 * connection's command interface only; its {@code isOpen()}, deprecated in Lettuce 6.6,
	 * is gone in Lettuce 7, so the stateful connection's is asked, through
	 * {@code getStatefulConnection()}, which both have on the standalone/Sentinel and the
	 * cluster interfaces (the only two Spring Data's {@code LettuceConnection} hands out).
	 * Any other implementation counts as open: a call on a closed one fails, and that
	 * failure is handled like any other.
	 */
	@SuppressWarnings("deprecation")
	private static boolean isOpen(@Nullable RedisClusterAsyncCommands<byte[], byte[]> commands) {
		if (commands instanceof RedisAdvancedClusterAsyncCommands<byte[], byte[]> cluster) {
			return cluster.getStatefulConnection().isOpen();
		}
		if (commands instanceof RedisAsyncCommands<byte[], byte[]> standalone) {
			return standalone.getStatefulConnection().isOpen();
		}
		return commands != null;
	}

	private static String rootMessage(Throwable error) {
		Throwable root = error;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return (root == error) ? String.valueOf(error.getMessage()) : error.getMessage() + " (" + root + ")";
	}

	@Override
	public synchronized void close() {
		this.closed = true;
		if (this.reconnectFailures != null) {
			this.reconnectFailures.dispose();
			this.reconnectFailures = null;
		}
		this.commands = null;
		restoreAutoFlush(this.pipelinedConnection);
		this.pipelinedConnection = null;
		closeQuietly(this.connection);
		this.connection = null;
		if (this.connectExecutor != null) {
			// an attempt under way ends within the connect timeout and closes what it opened
			this.connectExecutor.shutdown();
		}
	}

	/**
	 * Write out what is left and let the dedicated connection flush by itself again
	 * before it goes back to the factory (with a pool, another user may get it).
	 */
	private static void restoreAutoFlush(@Nullable StatefulConnection<byte[], byte[]> connection) {
		if (connection != null) {
			try {
				connection.flushCommands();
				connection.setAutoFlushCommands(true);
			}
			catch (RuntimeException ex) {
				logger.debug("Could not restore the automatic flush of the replay connection", ex);
			}
		}
	}

	private static void closeQuietly(@Nullable RedisConnection connection) {
		if (connection != null) {
			try {
				connection.close();
			}
			catch (RuntimeException ex) {
				logger.debug("Could not close Redis connection", ex);
			}
		}
	}

	/**
	 * A call waiting for the connection.
	 */
	private static final class Waiter<T> {

		private final Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> command;

		private final CompletableFuture<T> result;

		Waiter(Function<RedisClusterAsyncCommands<byte[], byte[]>, ? extends CompletionStage<T>> command,
				CompletableFuture<T> result) {
			this.command = command;
			this.result = result;
		}

		void send(@Nullable RedisClusterAsyncCommands<byte[], byte[]> commands, @Nullable Throwable failure) {
			if (failure != null) {
				this.result.completeExceptionally(failure);
				return;
			}
			try {
				this.command.apply(commands).whenComplete((value, error) -> {
					if (error != null) {
						this.result.completeExceptionally(error);
					}
					else {
						this.result.complete(value);
					}
				});
			}
			catch (RuntimeException ex) {
				this.result.completeExceptionally(ex);
			}
		}

	}

}
