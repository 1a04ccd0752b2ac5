package io.github.agentmemory.sample.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import redis.embedded.RedisServer;

import org.springframework.beans.factory.DisposableBean;

/**
 * A {@code redis-server} started by the sample itself (the binary bundled with
 * embedded-redis), on a free loopback port. A development default so that the sample
 * runs on a fresh machine; it can be stopped and started again on the same port to show
 * an outage. It keeps an append-only file in a temporary directory, so that its data
 * survives the demo's restart as a real Redis's would.
 */
public class EmbeddedRedis implements DisposableBean {

	private static final Log logger = LogFactory.getLog(EmbeddedRedis.class);

	private final int port;

	private final Path directory;

	private RedisServer server;

	/**
	 * Start a server on the given port, or on a free one.
	 * @param port the port, 0 for a free one
	 */
	public EmbeddedRedis(int port) {
		this(port, true);
	}

	/**
	 * Create a server on the given port, or on a free one, and start it unless told not
	 * to (to start the application during an outage; {@link #start()} starts it later).
	 * @param port the port, 0 for a free one
	 * @param start whether to start the server now
	 */
	public EmbeddedRedis(int port, boolean start) {
		this.port = (port != 0) ? port : freePort();
		try {
			this.directory = Files.createTempDirectory("sample-redis-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		if (start) {
			start();
		}
		else {
			logger.warn("Embedded redis-server on 127.0.0.1:" + this.port + " not started "
					+ "(sample.embedded-redis.down-at-start): POST /demo/redis/start starts it");
		}
	}

	/**
	 * The server's port.
	 * @return the port
	 */
	public int getPort() {
		return this.port;
	}

	/**
	 * Start the server (again).
	 */
	public synchronized void start() {
		if (isRunning()) {
			return;
		}
		try {
			this.server = RedisServer.newRedisServer()
				.port(this.port)
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly yes")
				.setting("dir " + this.directory)
				.build();
			this.server.start();
			logger.info("Embedded redis-server listening on 127.0.0.1:" + this.port);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the embedded redis-server", ex);
		}
	}

	/**
	 * Stop the server, as an outage would.
	 */
	public synchronized void stop() {
		if (this.server != null) {
			try {
				this.server.stop();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not stop the embedded redis-server", ex);
			}
			this.server = null;
			logger.warn("Embedded redis-server stopped");
		}
	}

	/**
	 * Whether the server runs.
	 * @return whether it runs
	 */
	public synchronized boolean isRunning() {
		return this.server != null && this.server.isActive();
	}

	@Override
	public void destroy() {
		stop();
		org.springframework.util.FileSystemUtils.deleteRecursively(this.directory.toFile());
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
