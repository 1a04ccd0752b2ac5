package io.github.agentmemory.redis.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import redis.embedded.RedisServer;

/**
 * The redis-server bundled with embedded-redis (6.2), on a free loopback port, with no
 * persistence. It can be stopped as a crash would (SIGKILL) and started again on the same
 * port.
 */
final class RedisProcess implements AutoCloseable {

	private final int port;

	private RedisServer server;

	private RedisClient adminClient;

	private StatefulRedisConnection<String, String> admin;

	private long pid;

	RedisProcess() {
		this.port = freePort();
	}

	static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	int port() {
		return this.port;
	}

	String host() {
		return "127.0.0.1";
	}

	synchronized void start() {
		try {
			this.server = RedisServer.newRedisServer()
				.port(this.port)
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no")
				.setting("maxclients 1000")
				.build();
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		String info = admin().info("server");
		for (String line : info.split("\r?\n")) {
			if (line.startsWith("process_id:")) {
				this.pid = Long.parseLong(line.substring("process_id:".length()).trim());
			}
		}
	}

	/**
	 * Kill the server with SIGKILL: its sockets are closed by the kernel, as in a crash.
	 * @return {@link System#nanoTime()} just before the signal was sent
	 */
	synchronized long kill() {
		closeAdmin();
		long before = System.nanoTime();
		ProcessHandle.of(this.pid).ifPresent(ProcessHandle::destroyForcibly);
		ProcessHandle.of(this.pid).ifPresent((handle) -> {
			try {
				handle.onExit().get(10, TimeUnit.SECONDS);
			}
			catch (Exception ex) {
				throw new IllegalStateException("redis-server " + this.pid + " did not die", ex);
			}
		});
		stopQuietly();
		return before;
	}

	synchronized void stop() {
		closeAdmin();
		stopQuietly();
	}

	private void stopQuietly() {
		if (this.server != null) {
			try {
				this.server.stop();
			}
			catch (Exception ex) {
				// already dead
			}
			this.server = null;
		}
	}

	synchronized RedisCommands<String, String> admin() {
		if (this.admin == null || !this.admin.isOpen()) {
			closeAdmin();
			this.adminClient = RedisClient.create(RedisURI.create(host(), this.port));
			this.admin = this.adminClient.connect();
		}
		return this.admin.sync();
	}

	private void closeAdmin() {
		if (this.admin != null) {
			this.admin.close();
			this.admin = null;
		}
		if (this.adminClient != null) {
			this.adminClient.shutdown(0, 1, TimeUnit.SECONDS);
			this.adminClient = null;
		}
	}

	/**
	 * CPU time the server has used so far, from /proc (10 ms resolution).
	 * @return nanoseconds, or -1 when unknown
	 */
	long cpuNanos() {
		try {
			String stat = Files.readString(Path.of("/proc/" + this.pid + "/stat"));
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			// after the command: state(3) ... utime(14) stime(15): indices 11 and 12 here
			long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
			return ticks * (1_000_000_000L / CLOCK_TICKS);
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	private static final long CLOCK_TICKS = 100;

	long serverStat(String section, String field) {
		String info = admin().info(section);
		for (String line : info.split("\r?\n")) {
			if (line.startsWith(field + ":")) {
				return Long.parseLong(line.substring(field.length() + 1).trim());
			}
		}
		throw new IllegalStateException("no " + field + " in INFO " + section);
	}

	@Override
	public void close() {
		stop();
	}

}
