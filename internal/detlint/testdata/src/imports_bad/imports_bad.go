// Package imports_bad imports every forbidden package.
package imports_bad

import (
	crand "crypto/rand"   // want `import of "crypto/rand" is forbidden in simulated code: use ctx\.Rand\(\)$`
	"math/rand"           // want `import of "math/rand" is forbidden in simulated code: use ctx\.Rand\(\) \(a seeded stream from sim\)`
	randv2 "math/rand/v2" // want `import of "math/rand/v2" is forbidden`
	"net"                 // want `import of "net" is forbidden in simulated code: use sim streams \(ctx\.Dial/ctx\.StreamSend\), datagrams \(ctx\.SendDatagram\) or process messages \(ctx\.Send\)`
	_ "net/http"          // want `import of "net/http" is forbidden`
	"os"                  // want `import of "os" is forbidden in simulated code: use ctx\.Disk\(\) for storage and return errors instead of exiting`
	_ "os/exec"           // want `import of "os/exec" is forbidden`
	_ "os/signal"         // want `import of "os/signal" is forbidden`
	"sync"                // want `import of "sync" is forbidden in simulated code: code under sim runs single-threaded inside one process handler at a time: no locks or atomics are needed`
	_ "sync/atomic"       // want `import of "sync/atomic" is forbidden`
	"time"                // want `^detlint: import of "time" is forbidden in simulated code: use ctx\.Now\(\), ctx\.Monotonic\(\) and ctx\.SetTimer from package sim \(virtual time\)$`
)

var (
	_ = crand.Reader
	_ = rand.Int
	_ = randv2.Int
	_ = net.Dial
	_ = os.Exit
	_ sync.Mutex
	_ = time.Now
)
