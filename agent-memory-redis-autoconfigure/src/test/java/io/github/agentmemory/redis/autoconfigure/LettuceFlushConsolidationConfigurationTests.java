package io.github.agentmemory.redis.autoconfigure;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.test.RedisServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LettuceFlushConsolidationConfiguration}. None needs Redis: the
 * {@code NettyCustomizer} of Boot's {@link ClientResources} is applied to an embedded
 * channel.
 */
class LettuceFlushConsolidationConfigurationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private final ApplicationContextRunner contextRunner = TemplateContexts.runner();

	@Test
	void offWhenDisabled() {
		this.contextRunner.withPropertyValues("agent-memory.redis.flush-consolidation.enabled=false")
			.run((context) -> {
				assertThat(context).hasSingleBean(AsyncResilientRedisTemplate.class)
					.doesNotHaveBean("agentMemoryRedisFlushConsolidationCustomizer");
				assertThat(initializedChannel(context).pipeline().get(FlushConsolidationHandler.class)).isNull();
			});
	}

	@Test
	void byDefaultEveryChannelGetsTheHandlerFirst() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(AsyncResilientRedisTemplate.class)
				.hasBean("agentMemoryRedisFlushConsolidationCustomizer");
			Channel channel = initializedChannel(context);
			assertThat(channel.pipeline().first()).isInstanceOf(FlushConsolidationHandler.class);
			assertThat(initializedChannel(context).pipeline().first()).as("a handler of its own per channel")
				.isNotSameAs(channel.pipeline().first());
		});
	}

	@Test
	void templateWorksWithTheHandler() {
		TemplateContexts.runner(redis).run((context) -> {
				AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
				List<CompletableFuture<Boolean>> sets = new ArrayList<>();
				for (int i = 0; i < 1000; i++) {
					sets.add(template.set("flush:" + i, "v" + i));
				}
				CompletableFuture.allOf(sets.toArray(new CompletableFuture<?>[0])).join();
				assertThat(template.get("flush:999").join()).isEqualTo(Optional.of("v999"));
				assertThat(redis.admin().dbsize()).isEqualTo(1000);
			});
	}

	@Test
	void applicationsOwnNettyCustomizerIsKept() {
		this.contextRunner.withPropertyValues("agent-memory.redis.flush-consolidation.enabled=true")
			.withUserConfiguration(OwnNettyCustomizer.class)
			.run((context) -> {
				Channel channel = initializedChannel(context);
				assertThat(channel.pipeline().get("own")).isNotNull();
				assertThat(channel.pipeline().get(FlushConsolidationHandler.class)).isNull();
			});
	}

	@Test
	void explicitFlushAfterFlushesMustBePositive() {
		this.contextRunner
			.withPropertyValues("agent-memory.redis.flush-consolidation.enabled=true",
					"agent-memory.redis.flush-consolidation.explicit-flush-after-flushes=0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("agent-memory.redis.flush-consolidation.explicit-flush-after-flushes"));
	}

	private static Channel initializedChannel(AssertableApplicationContext context) {
		NettyCustomizer customizer = context.getBean(ClientResources.class).nettyCustomizer();
		EmbeddedChannel channel = new EmbeddedChannel();
		customizer.afterChannelInitialized(channel);
		return channel;
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnNettyCustomizer {

		@Bean
		BootRedis.ClientResourcesCustomizer ownNettyCustomizer() {
			return (builder) -> builder.nettyCustomizer(new NettyCustomizer() {
				@Override
				public void afterChannelInitialized(Channel channel) {
					channel.pipeline().addLast("own", new io.netty.channel.ChannelInboundHandlerAdapter());
				}
			});
		}

	}

}
