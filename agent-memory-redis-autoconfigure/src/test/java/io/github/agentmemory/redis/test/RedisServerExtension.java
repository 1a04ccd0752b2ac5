package io.github.agentmemory.redis.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.embedded.RedisServer;

/**
 * Owns a real {@code redis-server} for a test class: started on a free loopback port
 * before all tests, flushed before each, stopped after all. Fault tests can
 * {@link #stop()} and {@link #start()} it mid-test (same port) and send admin commands
 * ({@code CLIENT PAUSE}, {@code DEBUG SLEEP}, {@code CONFIG SET}) through {@link #admin()}.
 *
 * <p>
 * The server is the {@code redis-server} binary bundled with
 * {@code com.github.codemonstur:embedded-redis}. Set the system property
 * {@code agent-memory.redis.test.port} (and optionally {@code .host}) to run against an
 * external Redis instead; tests that stop the server are then skipped.
 *
 * <pre class="code">
 * &#64;RegisterExtension
 * static final RedisServerExtension redis = new RedisServerExtension();
 * </pre>
 */
public final class RedisServerExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

	private static final String EXTERNAL_PORT = "agent-memory.redis.test.port";

	private static final String EXTERNAL_HOST = "agent-memory.redis.test.host";

	private final List<String> settings = new ArrayList<>();

	private final String host;

	private final int port;

	private final boolean external;

	/** Whether the tests need server settings that an external Redis may not have. */
	private final boolean custom;

	private RedisServer server;

	private RedisClient adminClient;

	private StatefulRedisConnection<String, String> adminConnection;

	/**
	 * A server with default settings (no persistence).
	 */
	public RedisServerExtension() {
		this(new String[0]);
	}

	/**
	 * A server with extra {@code redis.conf} lines, such as {@code "requirepass secret"}.
	 * @param settings the extra settings
	 */
	public RedisServerExtension(String... settings) {
		String externalPort = System.getProperty(EXTERNAL_PORT);
		this.external = externalPort != null && !externalPort.isBlank();
		this.host = this.external ? System.getProperty(EXTERNAL_HOST, "127.0.0.1") : "127.0.0.1";
		this.port = this.external ? Integer.parseInt(externalPort.trim()) : freePort();
		this.settings.addAll(List.of("save \"\"", "appendonly no"));
		this.settings.addAll(List.of(settings));
		this.custom = settings.length > 0;
	}

	/**
	 * A free TCP port on the loopback interface.
	 * @return the port
	 */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		Assumptions.assumeFalse(this.external && this.custom,
				"these tests need their own redis-server settings, not an external Redis");
		start();
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		if (!isRunning()) {
			start();
		}
		admin().flushall();
		admin().configResetstat();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		closeAdmin();
		if (!this.external && this.server != null) {
			try {
				this.server.stop();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			this.server = null;
		}
	}

	/**
	 * Start the server (again, on the same port).
	 */
	public synchronized void start() {
		if (this.external || isRunning()) {
			return;
		}
		try {
			this.server = build();
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private RedisServer build() throws IOException {
		var builder = RedisServer.newRedisServer().port(this.port).bind("127.0.0.1");
		for (String setting : this.settings) {
			builder.setting(setting);
		}
		return builder.build();
	}

	/**
	 * Stop the server, as a crash would: clients see their connections closed.
	 */
	public synchronized void stop() {
		Assumptions.assumeFalse(this.external, "an external Redis cannot be stopped by the tests");
		closeAdmin();
		if (this.server != null) {
			try {
				this.server.stop();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			this.server = null;
		}
	}

	/**
	 * Whether the server is running.
	 * @return whether it runs
	 */
	public synchronized boolean isRunning() {
		return this.external || (this.server != null && this.server.isActive());
	}

	/**
	 * Synchronous admin commands on a connection of the test's own.
	 * @return the commands
	 */
	public synchronized RedisCommands<String, String> admin() {
		if (this.adminConnection == null || !this.adminConnection.isOpen()) {
			closeAdmin();
			this.adminClient = RedisClient.create(adminUri());
			this.adminConnection = this.adminClient.connect();
		}
		return this.adminConnection.sync();
	}

	/**
	 * How many times the server ran a command since the last {@code CONFIG RESETSTAT}
	 * (done before each test), from {@code INFO commandstats}.
	 * @param command the command, lower case
	 * @return the number of calls
	 */
	public long commandCalls(String command) {
		for (String line : admin().info("commandstats").split("\r?\n")) {
			if (line.startsWith("cmdstat_" + command + ":")) {
				String calls = line.substring(line.indexOf("calls=") + 6);
				return Long.parseLong(calls.substring(0, calls.indexOf(',')));
			}
		}
		return 0;
	}

	/**
	 * {@code DEBUG SLEEP}: the server stops answering everyone for the given time. Sent on
	 * a connection of its own, so the returned future completes when the sleep is over.
	 * @param seconds how long the server sleeps
	 * @return completes when the server is awake again
	 */
	public CompletableFuture<String> debugSleep(double seconds) {
		RedisClient client = RedisClient.create(adminUri());
		StatefulRedisConnection<String, String> connection = client.connect();
		CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("SLEEP").add(seconds);
		return connection.async()
			.dispatch(CommandType.DEBUG, new StatusOutput<>(StringCodec.UTF8), args)
			.toCompletableFuture()
			.whenComplete((reply, ex) -> {
				connection.closeAsync();
				client.shutdownAsync();
			});
	}

	/**
	 * The URI the admin connection uses; override to authenticate.
	 * @return the URI
	 */
	RedisURI adminUri() {
		RedisURI.Builder uri = RedisURI.builder().withHost(this.host).withPort(this.port);
		for (String setting : this.settings) {
			if (setting.startsWith("requirepass ")) {
				uri.withAuthentication(RedisCredentialsProvider
					.from(() -> RedisCredentials.just(null, setting.substring("requirepass ".length()))));
			}
		}
		return uri.build();
	}

	private synchronized void closeAdmin() {
		if (this.adminConnection != null) {
			this.adminConnection.close();
			this.adminConnection = null;
		}
		if (this.adminClient != null) {
			this.adminClient.shutdown();
			this.adminClient = null;
		}
	}

	/**
	 * The server's host.
	 * @return the host
	 */
	public String host() {
		return this.host;
	}

	/**
	 * The server's port.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Spring Boot properties that point at this server.
	 * @return {@code spring.data.redis.host} and {@code .port}
	 */
	public String[] springProperties() {
		return new String[] { "spring.data.redis.host=" + this.host, "spring.data.redis.port=" + this.port };
	}

}
