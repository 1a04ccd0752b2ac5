package io.github.agentmemory.redis.autoconfigure;

import java.time.Duration;
import java.util.Map;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions.RefreshTrigger;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LettuceClusterRefreshConfiguration}. None of them needs a running
 * cluster: the options are read from the connection factory, which has not connected.
 */
class LettuceClusterRefreshConfigurationTests {

	private final ApplicationContextRunner contextRunner = TemplateContexts.runner()
		.withPropertyValues("spring.data.redis.cluster.nodes=127.0.0.1:1,127.0.0.1:2");

	@Test
	void clusterGetsPeriodicAndAdaptiveTopologyRefreshByDefault() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(AsyncResilientRedisTemplate.class);
			ClusterTopologyRefreshOptions refresh = refreshOptions(context);
			assertThat(refresh.isPeriodicRefreshEnabled()).isTrue();
			assertThat(refresh.getRefreshPeriod()).isEqualTo(Duration.ofSeconds(30));
			assertThat(refresh.getAdaptiveRefreshTriggers()).containsExactlyInAnyOrder(RefreshTrigger.values());
			assertThat(refresh.getAdaptiveRefreshTimeout()).isEqualTo(Duration.ofSeconds(5));
			assertThat(refresh.useDynamicRefreshSources()).isTrue();
			assertThat(refresh.isCloseStaleConnections()).isTrue();
		});
	}

	@Test
	void refreshPeriodAndAdaptiveTimeoutAreConfigurable() {
		this.contextRunner
			.withPropertyValues("agent-memory.redis.cluster-refresh.period=10s",
					"agent-memory.redis.cluster-refresh.adaptive-timeout=2s")
			.run((context) -> {
				ClusterTopologyRefreshOptions refresh = refreshOptions(context);
				assertThat(refresh.getRefreshPeriod()).isEqualTo(Duration.ofSeconds(10));
				assertThat(refresh.getAdaptiveRefreshTimeout()).isEqualTo(Duration.ofSeconds(2));
			});
	}

	@Test
	void refreshPeriodSetThroughSpringDataRedisIsLeftAlone() {
		this.contextRunner.withPropertyValues("spring.data.redis.lettuce.cluster.refresh.period=90s").run((context) -> {
			ClusterTopologyRefreshOptions refresh = refreshOptions(context);
			assertThat(refresh.isPeriodicRefreshEnabled()).isTrue();
			assertThat(refresh.getRefreshPeriod()).isEqualTo(Duration.ofSeconds(90));
			// left to Lettuce: none by default on Lettuce 6 (Boot 3.5), all on Lettuce 7 (Boot 4.1, which
				// also dropped spring.data.redis.lettuce.cluster.refresh.adaptive)
				assertThat(refresh.getAdaptiveRefreshTriggers())
					.containsExactlyInAnyOrderElementsOf(ClusterTopologyRefreshOptions.DEFAULT_ADAPTIVE_REFRESH_TRIGGERS);
		});
	}

	@Test
	void adaptiveRefreshSwitchedOffThroughSpringDataRedisIsLeftAlone() {
		this.contextRunner.withPropertyValues("spring.data.redis.lettuce.cluster.refresh.adaptive=false")
			.run((context) -> {
				ClusterTopologyRefreshOptions refresh = refreshOptions(context);
				assertThat(refresh.isPeriodicRefreshEnabled()).isFalse();
				// left to Lettuce: none by default on Lettuce 6 (Boot 3.5), all on Lettuce 7 (Boot 4.1, which
				// also dropped spring.data.redis.lettuce.cluster.refresh.adaptive)
				assertThat(refresh.getAdaptiveRefreshTriggers())
					.containsExactlyInAnyOrderElementsOf(ClusterTopologyRefreshOptions.DEFAULT_ADAPTIVE_REFRESH_TRIGGERS);
			});
	}

	@Test
	void refreshSetThroughAnEnvironmentVariableIsLeftAlone() {
		this.contextRunner
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new SystemEnvironmentPropertySource("test-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						Map.of("SPRING_DATA_REDIS_LETTUCE_CLUSTER_REFRESH_ADAPTIVE", "true"))))
			.run((context) -> {
				ClusterTopologyRefreshOptions refresh = refreshOptions(context);
				assertThat(refresh.getAdaptiveRefreshTriggers()).containsExactlyInAnyOrder(RefreshTrigger.values());
				assertThat(refresh.isPeriodicRefreshEnabled()).isFalse();
				assertThat(refresh.getAdaptiveRefreshTimeout())
					.isEqualTo(ClusterTopologyRefreshOptions.DEFAULT_ADAPTIVE_REFRESH_TIMEOUT_DURATION);
			});
	}

	@Test
	void dynamicRefreshSourcesSettingIsKept() {
		this.contextRunner
			.withPropertyValues("spring.data.redis.lettuce.cluster.refresh.dynamic-refresh-sources=false")
			.run((context) -> {
				ClusterTopologyRefreshOptions refresh = refreshOptions(context);
				assertThat(refresh.useDynamicRefreshSources()).isFalse();
				assertThat(refresh.isPeriodicRefreshEnabled()).isTrue();
			});
	}

	@Test
	void refreshCanBeSwitchedOff() {
		this.contextRunner.withPropertyValues("agent-memory.redis.cluster-refresh.enabled=false").run((context) -> {
			assertThat(context).hasSingleBean(AsyncResilientRedisTemplate.class)
				.doesNotHaveBean("agentMemoryRedisClusterRefreshCustomizer");
			ClusterTopologyRefreshOptions refresh = refreshOptions(context);
			assertThat(refresh.isPeriodicRefreshEnabled()).isFalse();
			// left to Lettuce: none by default on Lettuce 6 (Boot 3.5), all on Lettuce 7 (Boot 4.1, which
				// also dropped spring.data.redis.lettuce.cluster.refresh.adaptive)
				assertThat(refresh.getAdaptiveRefreshTriggers())
					.containsExactlyInAnyOrderElementsOf(ClusterTopologyRefreshOptions.DEFAULT_ADAPTIVE_REFRESH_TRIGGERS);
		});
	}

	@Test
	void failFastOptionsStillApplyOnCluster() {
		this.contextRunner.run((context) -> {
			ClientOptions options = clientOptions(context);
			assertThat(options.getDisconnectedBehavior()).isEqualTo(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
			assertThat(options.getSocketOptions().isKeepAlive()).isTrue();
		});
	}

	@Test
	void standaloneConnectionsAreLeftAlone() {
		TemplateContexts.runner().withPropertyValues("spring.data.redis.port=1").run((context) -> {
			assertThat(context).hasBean("agentMemoryRedisClusterRefreshCustomizer");
			assertThat(clientOptions(context)).isNotInstanceOf(ClusterClientOptions.class);
		});
	}

	@Test
	void runWithZeroRefreshPeriodShouldFailNamingTheProperty() {
		this.contextRunner.withPropertyValues("agent-memory.redis.cluster-refresh.period=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessage("agent-memory.redis.cluster-refresh.period must be at least 1ms, was PT0S"));
	}

	private static ClientOptions clientOptions(AssertableApplicationContext context) {
		return context.getBean(LettuceConnectionFactory.class).getClientConfiguration().getClientOptions().get();
	}

	private static ClusterTopologyRefreshOptions refreshOptions(AssertableApplicationContext context) {
		ClientOptions options = clientOptions(context);
		assertThat(options).isInstanceOf(ClusterClientOptions.class);
		return ((ClusterClientOptions) options).getTopologyRefreshOptions();
	}

}
