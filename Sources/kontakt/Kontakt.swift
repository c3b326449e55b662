import ArgumentParser

@main
struct Kontakt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kontakt", abstract: "Mail-driven contact and inquiry handler.")
}
