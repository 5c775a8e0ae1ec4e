// Readiness probe for the local broker, run by deploy/local/stack.sh with the
// JDK's single-file source launcher against the broker's own jar cache:
//   java -cp "<libs>/*" KafkaReady.java 127.0.0.1:9092 [MIN_BROKERS [CLIENT_PROPERTIES]]
// It asks the broker for cluster metadata (DescribeCluster + ListTopics) the way
// a real client does, so a wrong advertised listener or a broker that is not
// yet unfenced fails it; so does a cluster in which fewer than MIN_BROKERS
// (default 1) brokers are registered and unfenced. CLIENT_PROPERTIES is a client
// config file (the stack's admin credentials: SASL_PLAINTEXT, SCRAM-SHA-512), so
// a broker refusing them fails it too. Exit 0 = ready, 1 = not ready (reason on stderr).
import java.io.FileReader;
import java.io.IOException;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;

public class KafkaReady {
    public static void main(String[] args) {
        String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
        int minBrokers = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Properties props = new Properties();
        if (args.length > 2) {
            try (FileReader in = new FileReader(args[2])) {
                props.load(in);
            } catch (IOException e) {
                System.err.println("cannot read " + args[2] + ": " + e);
                System.exit(1);
            }
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "followup-stack-ready");
        try (Admin admin = Admin.create(props)) {
            var cluster = admin.describeCluster();
            var nodes = cluster.nodes().get(10, TimeUnit.SECONDS);
            if (nodes.size() < Math.max(1, minBrokers)) {
                System.err.println(nodes.size() + " broker(s) in cluster metadata, waiting for " + minBrokers);
                System.exit(1);
            }
            int topics = admin.listTopics().names().get(10, TimeUnit.SECONDS).size();
            StringBuilder sb = new StringBuilder();
            for (Node n : nodes) sb.append(n.host()).append(':').append(n.port()).append(' ');
            System.out.println("cluster " + cluster.clusterId().get(10, TimeUnit.SECONDS)
                + " brokers " + sb.toString().trim() + " topics " + topics);
            System.exit(0);
        } catch (Exception e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            System.err.println("not ready: " + c);
            System.exit(1);
        }
    }
}
