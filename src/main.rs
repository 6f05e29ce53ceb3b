fn main() {
    std::process::exit(lifecircle::cli::main());
}
