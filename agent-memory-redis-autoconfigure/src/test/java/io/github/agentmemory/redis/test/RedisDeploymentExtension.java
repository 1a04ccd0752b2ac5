package io.github.agentmemory.redis.test;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.awaitility.Awaitility.await;

/**
 * What {@link RedisSentinelExtension} and {@link RedisClusterExtension} share: the
 * {@link RedisProcesses} of a deployment, which a subclass starts before all tests and
 * which are all removed after them, and the waits and checks on the deployment's state.
 */
abstract class RedisDeploymentExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

	/** Longest wait for a state of the deployment. */
	static final Duration PATIENCE = Duration.ofSeconds(60);

	/** The processes, between {@code beforeAll} and {@code afterAll}. */
	RedisProcesses processes;

	@Override
	public void afterAll(ExtensionContext context) {
		if (this.processes != null) {
			this.processes.close();
			this.processes = null;
		}
	}

	/**
	 * The processes, for admin commands on a server.
	 * @return the processes
	 */
	public RedisProcesses processes() {
		return this.processes;
	}

	/**
	 * A wait for a state of the deployment: polled every 100ms for up to
	 * {@link #PATIENCE}, exceptions (from a server that is down) ignored.
	 * @param alias what is awaited, for the message on a timeout
	 * @return the wait, to be ended with {@code until...}
	 */
	static ConditionFactory awaitState(String alias) {
		return await(alias).atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).ignoreExceptions();
	}

	/**
	 * Fail with an {@link AssertionError} unless a condition holds.
	 * @param condition the condition
	 * @param message the error's message
	 */
	static void check(boolean condition, String message) {
		if (!condition) {
			throw new AssertionError(message);
		}
	}

	/**
	 * Loopback addresses, as Spring Boot's {@code nodes} properties take them.
	 * @param ports the ports
	 * @return {@code 127.0.0.1:port} for each, separated by commas
	 */
	static String loopbackNodes(int[] ports) {
		return Arrays.stream(ports).mapToObj((port) -> "127.0.0.1:" + port).collect(Collectors.joining(","));
	}

}
