// Command etcd is the upstream etcd server (go.etcd.io/etcd/server/v3/etcdmain),
// wrapped in a main package so it can be built from the published module:
// etcd's own go.mod uses relative replaces, so `go install` of it fails.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
