package io.github.agentmemory.redis.security;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.embedded.RedisServer;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.RedisConnectionFailureException;

import static io.github.agentmemory.redis.security.TemplateCalls.failure;
import static io.github.agentmemory.redis.security.TemplateCalls.template;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS through Spring Boot's SSL bundles, against redis-servers that serve TLS only
 * ({@code port 0}, {@code tls-port}): one that checks the server only, one that also
 * requires a client certificate. The certificates are the test PEM files in
 * {@code src/test/resources/security/tls} (see {@code generate.sh} there).
 */
@ExtendWith(OutputCaptureExtension.class)
class TlsIntegrationTests {

	private static final String PASSWORD = "tls-s3cr3t-Pa55word";

	private static final String TLS = "classpath:security/tls/";

	private static final int port = RedisServerExtension.freePort();

	private static final int mutualPort = RedisServerExtension.freePort();

	private static RedisServer server;

	private static RedisServer mutualServer;

	@BeforeAll
	static void startServers() {
		server = start(port, false);
		mutualServer = start(mutualPort, true);
	}

	@AfterAll
	static void stopServers() throws IOException {
		if (server != null) {
			server.stop();
		}
		if (mutualServer != null) {
			mutualServer.stop();
		}
	}

	private static RedisServer start(int tlsPort, boolean clientCertificates) {
		try {
			RedisServer redis = RedisServer.newRedisServer()
				.port(0)
				.bind("127.0.0.1")
				.setting("tls-port " + tlsPort)
				.setting("tls-cert-file " + file("server.crt"))
				.setting("tls-key-file " + file("server.key"))
				.setting("tls-ca-cert-file " + file("ca.crt"))
				.setting("tls-auth-clients " + (clientCertificates ? "yes" : "no"))
				.setting("requirepass " + PASSWORD)
				.setting("save \"\"")
				.setting("appendonly no")
				.build();
			redis.start();
			return redis;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String file(String name) throws IOException {
		return "\"" + new ClassPathResource("security/tls/" + name).getFile().getAbsolutePath() + "\"";
	}

	private static ApplicationContextRunner runner(int tlsPort) {
		return TemplateContexts.runner()
			.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=localhost", "spring.data.redis.port=" + tlsPort,
					// a TLS handshake on a loaded 2-core machine can take more than a second (seen: "Connection
					// initialization timed out after 1 second(s)"); the refused ones fail on the certificate
					"spring.data.redis.password=" + PASSWORD, "spring.data.redis.timeout=5s",
					"spring.data.redis.connect-timeout=5s", "agent-memory.redis.retry.max-attempts=1");
	}

	@Test
	void connectsOverTlsWithAnSslBundleThatTrustsTheServersCa(CapturedOutput output) {
		runner(port)
			.withPropertyValues("spring.data.redis.ssl.enabled=true", "spring.data.redis.ssl.bundle=redis",
					"spring.ssl.bundle.pem.redis.truststore.certificate=" + TLS + "ca.crt")
			.run((context) -> {
				AsyncResilientRedisTemplate template = template(context);
				assertThat(template.set("k", "over TLS").join()).isTrue();
				assertThat(template.get("k").join()).contains("over TLS");
			});
		assertThat(output.getAll()).doesNotContain(PASSWORD);
	}

	@Test
	void connectsWithAClientCertificateFromTheBundleWhenTheServerRequiresOne() {
		runner(mutualPort)
			.withPropertyValues("spring.data.redis.ssl.enabled=true", "spring.data.redis.ssl.bundle=redis",
					"spring.ssl.bundle.pem.redis.truststore.certificate=" + TLS + "ca.crt",
					"spring.ssl.bundle.pem.redis.keystore.certificate=" + TLS + "client.crt",
					"spring.ssl.bundle.pem.redis.keystore.private-key=" + TLS + "client.key")
			.run((context) -> assertThat(template(context).set("k", "mutual TLS").join()).isTrue());
	}

	@Test
	void withoutAClientCertificateTheServerThatRequiresOneRefusesTheConnection(CapturedOutput output) {
		runner(mutualPort)
			.withPropertyValues("spring.data.redis.ssl.enabled=true", "spring.data.redis.ssl.bundle=redis",
					"spring.ssl.bundle.pem.redis.truststore.certificate=" + TLS + "ca.crt")
			.run((context) -> assertThat(failure(template(context).get("k")))
				.isInstanceOf(RedisConnectionFailureException.class));
		assertThat(output.getAll()).contains("certificate_required");
	}

	@Test
	void aServerCertificateNotTrustedByTheBundleFailsWithALoggedCertificateError(CapturedOutput output) {
		runner(port).withPropertyValues("spring.data.redis.ssl.enabled=true")
			.run((context) -> assertThat(failure(template(context).get("k")))
				.isInstanceOf(RedisConnectionFailureException.class));
		assertThat(output.getAll()).contains("Could not connect to Redis")
			.contains("unable to find valid certification path")
			.doesNotContain(PASSWORD);
	}

	@Test
	void theServerRefusesPlainTextOnItsTlsPort() {
		runner(port).run((context) -> assertThat(failure(template(context).get("k")))
			.isInstanceOf(RedisConnectionFailureException.class));
	}

}
