package io.github.agentmemory.redis.test;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Sentinel deployment of real processes on loopback for a test class: one master, one
 * replica and three sentinels (quorum 2) watching {@value #MASTER_NAME}, with short
 * failover settings ({@code down-after-milliseconds 1000}, {@code failover-timeout
 * 2000}). Before each test a killed server is started again as a replica of the current
 * master, the deployment is awaited healthy and flushed; after all tests every process
 * and the temporary directory are removed.
 *
 * <pre class="code">
 * &#64;RegisterExtension
 * static final RedisSentinelExtension sentinel = new RedisSentinelExtension();
 * </pre>
 */
public final class RedisSentinelExtension extends RedisDeploymentExtension {

	/** The name the sentinels monitor the master under. */
	public static final String MASTER_NAME = "mymaster";

	private final int[] serverPorts;

	private final int[] sentinelPorts;

	public RedisSentinelExtension() {
		int[] ports = RedisProcesses.freePorts(5);
		this.serverPorts = Arrays.copyOfRange(ports, 0, 2);
		this.sentinelPorts = Arrays.copyOfRange(ports, 2, 5);
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		this.processes = new RedisProcesses();
		List<String> server = List.of("save \"\"", "appendonly no");
		this.processes.start(this.serverPorts[0], false, server);
		this.processes.start(this.serverPorts[1], false,
				concat(server, "replicaof 127.0.0.1 " + this.serverPorts[0]));
		for (int port : this.sentinelPorts) {
			this.processes.start(port, true,
					List.of("sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + this.serverPorts[0] + " 2",
							"sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
							"sentinel failover-timeout " + MASTER_NAME + " 2000",
							"sentinel parallel-syncs " + MASTER_NAME + " 1"));
		}
		awaitHealthy();
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		heal();
		this.processes.onServer(masterPort(), (commands) -> commands.flushall());
	}

	/**
	 * Start any killed server again, as a replica of the current master, and wait until
	 * the deployment is healthy.
	 */
	public void heal() {
		awaitOneMaster();
		int master = masterPort();
		for (int port : this.serverPorts) {
			if (!this.processes.isRunning(port)) {
				this.processes.restart(port, "replicaof 127.0.0.1 " + master);
			}
		}
		awaitHealthy();
	}

	/**
	 * Wait until every sentinel names the same running master, which says it is a
	 * master, the other server replicates it with its link up, every sentinel knows the
	 * other two and sees the replica up.
	 */
	public void awaitHealthy() {
		awaitState("a healthy Sentinel deployment").untilAsserted(() -> {
			int master = awaitOneMaster();
			String masterRole = this.processes.onServer(master, (commands) -> commands.info("replication"));
			assertContains(masterRole, "role:master");
			for (int port : this.serverPorts) {
				if (port != master) {
					String info = this.processes.onServer(port, (commands) -> commands.info("replication"));
					assertContains(info, "role:slave");
					assertContains(info, "master_port:" + master);
					assertContains(info, "master_link_status:up");
				}
			}
			for (int sentinel : this.sentinelPorts) {
				Map<String, String> state = this.processes.onSentinel(sentinel,
						(commands) -> commands.master(MASTER_NAME));
				check(state.get("flags").equals("master"), "master flags " + state);
				check(state.get("num-other-sentinels").equals("2"), "sentinels " + state);
				List<Map<String, String>> replicas = this.processes.onSentinel(sentinel,
						(commands) -> commands.replicas(MASTER_NAME));
				check(replicas.stream()
					.anyMatch((replica) -> replica.get("flags").equals("slave")
							&& replica.get("master-link-status").equals("ok")), "replicas " + replicas);
			}
		});
	}

	private int awaitOneMaster() {
		return awaitState("the sentinels to agree on a master").until(() -> {
			List<Integer> masters = Arrays.stream(this.sentinelPorts)
				.mapToObj((sentinel) -> this.processes
					.onSentinel(sentinel, (commands) -> commands.getMasterAddrByName(MASTER_NAME)))
				.map((address) -> ((InetSocketAddress) address).getPort())
				.distinct()
				.toList();
			return (masters.size() == 1 && this.processes.isRunning(masters.get(0))) ? masters.get(0) : null;
		}, (port) -> port != null);
	}

	/**
	 * The master, as the first sentinel names it.
	 * @return its port
	 */
	public int masterPort() {
		InetSocketAddress address = (InetSocketAddress) this.processes.onSentinel(this.sentinelPorts[0],
				(commands) -> commands.getMasterAddrByName(MASTER_NAME));
		return address.getPort();
	}

	/**
	 * The server that is not the master.
	 * @return its port
	 */
	public int replicaPort() {
		int master = masterPort();
		return Arrays.stream(this.serverPorts).filter((port) -> port != master).findFirst().orElseThrow();
	}

	/**
	 * Kill the master with {@code SIGKILL}.
	 * @return the port it had
	 */
	public int killMaster() {
		int master = masterPort();
		this.processes.kill(master);
		return master;
	}

	/**
	 * Wait until every sentinel names another master than the given one and that master
	 * says it is one.
	 * @param oldMaster the port of the master that was killed
	 * @return the new master's port
	 */
	public int awaitFailoverFrom(int oldMaster) {
		return awaitState("a failover away from port " + oldMaster).until(() -> {
			int master = awaitOneMaster();
			String role = this.processes.onServer(master, (commands) -> commands.info("replication"));
			return (master != oldMaster && role.contains("role:master")) ? master : null;
		}, (port) -> port != null);
	}

	/**
	 * Spring Boot properties that point at the sentinels.
	 * @return {@code spring.data.redis.sentinel.master} and {@code .nodes}
	 */
	public String[] springProperties() {
		return new String[] { "spring.data.redis.sentinel.master=" + MASTER_NAME,
				"spring.data.redis.sentinel.nodes=" + loopbackNodes(this.sentinelPorts) };
	}

	private static List<String> concat(List<String> lines, String line) {
		List<String> all = new java.util.ArrayList<>(lines);
		all.add(line);
		return all;
	}

	private static void assertContains(String text, String expected) {
		check(text.contains(expected), "expected '" + expected + "' in " + text);
	}

}
