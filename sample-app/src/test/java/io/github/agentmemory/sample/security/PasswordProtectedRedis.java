package io.github.agentmemory.sample.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.embedded.RedisServer;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A {@code redis-server} that requires a password, on a free loopback port; it can be
 * stopped and started again on the same port. As an extension it runs from before all
 * tests of a class to after them all.
 *
 * <pre class="code">
 * &#64;RegisterExtension
 * static final PasswordProtectedRedis redis = new PasswordProtectedRedis();
 * </pre>
 */
final class PasswordProtectedRedis implements BeforeAllCallback, AfterAllCallback {

	/** The password Redis requires: distinctive, so that a leak is found by a search. */
	static final String PASSWORD = "s3cr3t-Pa55word";

	private final int port = freePort();

	private RedisServer server;

	@Override
	public void beforeAll(ExtensionContext context) {
		start();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		stop();
	}

	synchronized void start() {
		if (this.server != null && this.server.isActive()) {
			return;
		}
		try {
			this.server = RedisServer.newRedisServer()
				.port(this.port)
				.bind("127.0.0.1")
				.setting("requirepass " + PASSWORD)
				.setting("save \"\"")
				.setting("appendonly no")
				.build();
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	synchronized void stop() {
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
	 * Point the application at this server instead of the sample's embedded one.
	 * @param registry the test's properties
	 * @param password the password the application uses
	 */
	void register(DynamicPropertyRegistry registry, String password) {
		registry.add("sample.embedded-redis.enabled", () -> "false");
		registry.add("spring.data.redis.host", () -> "127.0.0.1");
		registry.add("spring.data.redis.port", () -> this.port);
		registry.add("spring.data.redis.password", () -> password);
	}

	/**
	 * Point the application at this server with a {@code redis://} URL that holds the
	 * password.
	 * @param registry the test's properties
	 */
	void registerUrl(DynamicPropertyRegistry registry) {
		registry.add("sample.embedded-redis.enabled", () -> "false");
		registry.add("spring.data.redis.url", () -> "redis://:" + PASSWORD + "@127.0.0.1:" + this.port);
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
