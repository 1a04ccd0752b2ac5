package io.github.agentmemory.redis.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Accepts TCP connections on a loopback port and never answers, like a Redis host whose
 * process hangs: a connection attempt to it waits for its timeout.
 */
public final class SilentServer implements AutoCloseable {

	private final ServerSocket socket;

	private final List<Socket> accepted = new CopyOnWriteArrayList<>();

	/**
	 * Listen on a free loopback port.
	 * @throws IOException if no port can be bound
	 */
	public SilentServer() throws IOException {
		this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::accept, "silent-server");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	private void accept() {
		try {
			while (!this.socket.isClosed()) {
				this.accepted.add(this.socket.accept());
			}
		}
		catch (IOException ex) {
			// closed
		}
	}

	/**
	 * The port it listens on.
	 * @return the port
	 */
	public int port() {
		return this.socket.getLocalPort();
	}

	/**
	 * The connections accepted so far.
	 * @return the connections
	 */
	public List<Socket> accepted() {
		return this.accepted;
	}

	@Override
	public void close() {
		try {
			this.socket.close();
			for (Socket connection : this.accepted) {
				connection.close();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
