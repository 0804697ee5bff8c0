// Command time-skipping-server runs a throwaway Temporal server (in-memory SQLite, loopback only)
// with the server's per-workflow time skipping turned on, for test/time-skipping.test.ts.
//
// It prints one JSON line, {"address": "127.0.0.1:PORT", "namespace": "NAME"}, once the server
// accepts connections, and runs until its standard input closes or it receives SIGINT/SIGTERM.
// Workflows skip time only when started with a TimeSkippingConfig (see the test's helpers).
package main

import (
	"encoding/json"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/temporal"
	"go.temporal.io/server/temporaltest"
)

func main() {
	server := temporaltest.NewServer(temporaltest.WithBaseServerOptions(temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
		dynamicconfig.WorkflowTimeSkippingEnabled.Key(): true,
		// Search attributes registered by the test are usable at once.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
	})))
	ready, _ := json.Marshal(map[string]string{"address": server.GetFrontendHostPort(), "namespace": server.GetDefaultNamespace()})
	os.Stdout.Write(append(ready, '\n'))

	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		done <- struct{}{}
	}()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		done <- struct{}{}
	}()
	<-done
	// The database lives in memory: exiting is the whole clean-up.
	os.Exit(0)
}
