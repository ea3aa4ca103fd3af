target "binary" {
    target = "binary"
    output = ["build"]
}
