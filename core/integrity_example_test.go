package core_test

import (
	"fmt"

	"github.com/assetc/assetc/core"
)

// The value of an integrity="…" attribute, as openssl dgst -sha384 -binary
// | base64 computes it.
func ExampleSRI() {
	sri, err := core.SRI("sha384", []byte("alert('Hello, world.');"))
	if err != nil {
		panic(err)
	}
	fmt.Println(sri)
	// Output: sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO
}
